using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Runner.Host.Plugins;
using Runner.Sdk.Plugins;
using Runner.Sdk.Configuration;
using Runner.Sdk.Data;
using Runner.Sdk.Hooks;
using Runner.Sdk.Registries;
using Runner.Sdk.Running;
using Runner.Tests.Support;

namespace Runner.Tests.Host;

/// <summary>
/// --watch: the toy job trains with a hook plugin (tests/HotSwapHooks, built as version 1 and 2) whose DLL is
/// replaced by a rename in the middle of the run.
/// </summary>
[TestClass]
public sealed partial class HotSwapTests
{
    private const string PluginName = "HotSwap.Hooks";
    private const int SwapAfterIteration = 20;
    private static readonly Lazy<(string V1, string V2)> Builds = new(() => (Build(1), Build(2)));

    private static string Build(int version)
    {
        var output = TestEnvironment.NewTempDir($"hotswap-v{version}");
        DotnetCli.Run(TestEnvironment.RepoRoot, "build", "tests/HotSwapHooks/HotSwap.Hooks.csproj", "-c", DotnetCli.Configuration, "-o", output,
            $"-p:HookVersion={version}", "-p:BuildProjectReferences=false", "-nologo", "-v", "quiet");
        return output;
    }

    /// <summary>Calls an action after the given training iteration (1-based): here, replacing the plugin's DLL.</summary>
    private sealed class AfterIteration(int iteration, Action action) : Hook
    {
        public override void AfterTrainIter(TrainingRunner runner, int batchIdx, DataBatch dataBatch, IReadOnlyDictionary<string, double> outputs)
        {
            if (runner.Iter + 1 == iteration) action();
        }
    }

    /// <summary>
    /// Replaces the DLL the way a build tool that writes a new file and renames it over the old one does, or (not
    /// <paramref name="byRename"/>) the way one that rewrites the file in place does.
    /// </summary>
    private static void Replace(string folder, byte[] content, bool byRename)
    {
        var target = Path.Combine(folder, PluginName + ".dll");
        if (!byRename)
        {
            File.WriteAllBytes(target, content);
            return;
        }
        var staged = Path.Combine(folder, $".{PluginName}.dll.new");
        File.WriteAllBytes(staged, content);
        File.Move(staged, target, overwrite: true);
    }

    private static (string WorkDir, WeakReference OldContext, int Swaps) TrainWhileReplacing(byte[] replacement, bool byRename = true)
    {
        var pluginFolder = Path.Combine(TestEnvironment.NewTempDir("hotswap-watched"), PluginName);
        Directory.CreateDirectory(pluginFolder);
        foreach (var file in Directory.GetFiles(Builds.Value.V1)) File.Copy(file, Path.Combine(pluginFolder, Path.GetFileName(file)));
        var workDir = TestEnvironment.NewTempDir("hotswap-run");
        var registries = new RegistryRoot();
        using var catalog = PluginCatalog.Load([(BuiltinPlugins.Folder, "built-in"), (pluginFolder, "test")], registries, inMemory: true);
        var cfg = ConfigLoader.Load(TestEnvironment.ToyConfig, [$"work_dir=\"{workDir}\"", "custom_hooks=[{ type = \"hotswap.CountingHook\" }]"]);
        using var runner = TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = registries, Console = null, ConfigPath = TestEnvironment.ToyConfig });
        var swapper = new HookHotSwapper(catalog, registries, checkInterval: TimeSpan.Zero);
        runner.CallHooks.Register(swapper);
        runner.CallHooks.Register(new AfterIteration(SwapAfterIteration, () => Replace(pluginFolder, replacement, byRename)));
        var oldContext = ContextOf(catalog);

        runner.Train();

        return (workDir, oldContext, swapper.Swaps);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference ContextOf(PluginCatalog catalog) => new(catalog.Plugins.Single(p => p.Name == PluginName).Loader.LoadContext);

    [GeneratedRegex(@"CountingHook v(\d) iter (\d+) seen (\d+)")]
    private static partial Regex CountingLine();

    private static List<(int Version, int Iter, int Seen)> Counts(string workDir) =>
        RunRecords.LogLines(workDir).Select(l => CountingLine().Match(l)).Where(m => m.Success)
            .Select(m => (int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value), int.Parse(m.Groups[3].Value))).ToList();

    [TestMethod]
    [DataRow(true, DisplayName = "replaced by a rename")]
    [DataRow(false, DisplayName = "rewritten in place")]
    public void NewBuild_TakesOverAtTheNextIteration_WithItsState_AndTheOldContextUnloads(bool byRename)
    {
        var (workDir, oldContext, swaps) = TrainWhileReplacing(File.ReadAllBytes(Path.Combine(Builds.Value.V2, PluginName + ".dll")), byRename);

        // The new build acted from the next iteration on, counting on from the old one's state.
        var counts = Counts(workDir);
        Assert.AreEqual(1, swaps);
        Assert.HasCount(384, counts, "one line per iteration, 3 epochs of 128");
        Assert.IsTrue(counts.All(c => c.Seen == c.Iter), "the count carried over");
        CollectionAssert.AreEqual(Enumerable.Range(1, 384).Select(i => i <= SwapAfterIteration ? 1 : 2).ToList(), counts.Select(c => c.Version).ToList());
        Assert.IsTrue(RunRecords.LogLines(workDir).Any(l => Regex.IsMatch(l, @"Hook CountingHook reloaded from .*HotSwap\.Hooks\.dll \(2\.0\.0, build [0-9a-f]{8} of [0-9:]{8}\)")));

        // The run's results are those of the reference run (ToyReferenceTests).
        CollectionAssert.AreEqual(new[] { 29.98046875, 34.5703125, 35.05859375 }, RunRecords.Scalars(workDir, "accuracy/top1").Select(v => Math.Round(v, 8)).ToArray());

        // The old load context was released.
        for (var i = 0; i < 10 && oldContext.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        Assert.IsFalse(oldContext.IsAlive, "the old plugin's load context did not unload");
    }

    [TestMethod]
    public void BrokenBuild_LeavesTheOldHookRunning()
    {
        var (workDir, _, swaps) = TrainWhileReplacing("not an assembly"u8.ToArray());

        var counts = Counts(workDir);
        Assert.AreEqual(0, swaps);
        Assert.HasCount(384, counts);
        Assert.IsTrue(counts.All(c => c.Version == 1 && c.Seen == c.Iter));
        Assert.IsTrue(RunRecords.LogLines(workDir).Any(l => l.Contains("Hot swap of plugin HotSwap.Hooks failed, so its old build keeps running", StringComparison.Ordinal)
            && l.Contains("not a valid .NET assembly", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void BuildThatCannotTakeTheState_LeavesTheOldHookRunning_AndSaysTheHandoverFailed()
    {
        var (workDir, _, swaps) = TrainWhileReplacing(File.ReadAllBytes(Path.Combine(Build(3), PluginName + ".dll")));

        var counts = Counts(workDir);
        Assert.AreEqual(0, swaps);
        Assert.IsTrue(counts.All(c => c.Version == 1 && c.Seen == c.Iter));
        Assert.IsTrue(RunRecords.LogLines(workDir).Any(l => l.Contains("Hot swap of plugin HotSwap.Hooks failed, so its old build keeps running: " +
            "the new CountingHook could not take over the running hook's state (StateDict → LoadStateDict): InvalidOperationException: state format changed", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void ChangedModelPlugin_IsNotSwapped_AndTheLogSaysWhen()
    {
        // The Toy plugin (model, dataset) from a folder of its own, changed on disk after iteration 20.
        var pluginFolder = Path.Combine(TestEnvironment.NewTempDir("hotswap-toy"), "Runner.Plugins.Toy");
        var builtin = Path.Combine(AppContext.BaseDirectory, "plugins", "Runner.Plugins.Toy");
        Directory.CreateDirectory(pluginFolder);
        foreach (var file in Directory.GetFiles(builtin, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(pluginFolder, Path.GetRelativePath(builtin, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        var workDir = TestEnvironment.NewTempDir("hotswap-toy-run");
        var registries = new RegistryRoot();
        using var catalog = PluginCatalog.Load([(Path.GetDirectoryName(pluginFolder)!, "test")], registries, inMemory: true);
        using var runner = TrainingRunner.FromConfig(ConfigLoader.Load(TestEnvironment.ToyConfig, [$"work_dir=\"{workDir}\"", "train_cfg.max_epochs=1"]),
            new RunnerOptions { Registries = registries, Console = null, ConfigPath = TestEnvironment.ToyConfig });
        var swapper = new HookHotSwapper(catalog, registries, checkInterval: TimeSpan.Zero);
        runner.CallHooks.Register(swapper);
        var dll = Path.Combine(pluginFolder, "Runner.Plugins.Toy.dll");
        runner.CallHooks.Register(new AfterIteration(SwapAfterIteration, () => File.AppendAllText(dll, "\n")));

        runner.Train();

        Assert.AreEqual(0, swapper.Swaps);
        Assert.HasCount(1, RunRecords.LogLines(workDir).Where(l =>
            l.Contains("Plugin Runner.Plugins.Toy changed; it provides more than hooks, so the change takes effect on the next run.", StringComparison.Ordinal)).ToList());
        Assert.AreEqual(29.98046875, RunRecords.Scalars(workDir, "accuracy/top1").Single(), 1e-8);
    }
}
