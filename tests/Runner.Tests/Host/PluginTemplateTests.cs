using System.Text.RegularExpressions;
using Runner.Tests.Support;

namespace Runner.Tests.Host;

/// <summary>
/// The plugin quick start of docs/plugins.md, run as written from a folder outside the clone: pack the SDK, install
/// the template, create a plugin, build it and its tests, run them, and train the generated config with runner-host.
/// </summary>
[TestClass]
public sealed class PluginTemplateTests
{
    /// <summary>The bash block between the quick-start markers of docs/plugins.md.</summary>
    private static string QuickStart()
    {
        var doc = File.ReadAllText(Path.Combine(TestEnvironment.RepoRoot, "docs", "plugins.md"));
        var block = Regex.Match(doc, @"<!-- quick-start:begin[^>]*-->\s*```bash\n(?<script>.*?)```\s*<!-- quick-start:end -->", RegexOptions.Singleline);
        Assert.IsTrue(block.Success, "docs/plugins.md has a quick-start block between its markers");
        return block.Groups["script"].Value;
    }

    [TestMethod]
    public void QuickStart_AsDocumented_FromOutsideTheClone_Builds_PassesItsTests_AndTrains()
    {
        // Arrange: the documented commands, with RUNNER naming this clone, in a folder of their own; the template
        // engine's state in a home of its own, so the user's installed templates are not touched.
        var root = TestEnvironment.NewTempDir("quick-start");
        var script = Regex.Replace(QuickStart(), "^RUNNER=.*$", $"RUNNER=\"{TestEnvironment.RepoRoot}\"", RegexOptions.Multiline);
        File.WriteAllText(Path.Combine(root, "quick-start.sh"), "set -euo pipefail\n" + script);
        var start = new System.Diagnostics.ProcessStartInfo("bash", ["quick-start.sh"])
        {
            WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        start.Environment["DOTNET_CLI_HOME"] = Path.Combine(root, "dotnet-home");
        start.Environment["XDG_DATA_HOME"] = Path.Combine(root, "data"); // where build/pack-sdk records the package for new plugins
        start.Environment["NUGET_PACKAGES"] = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

        // Act
        using var process = System.Diagnostics.Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();

        // Assert
        Assert.AreEqual(0, process.ExitCode, $"{stdout}\n{stderr.Result}");
        var plugin = Path.Combine(root, "MyHooks", "MyHooks", "bin", "Release", "net10.0");
        CollectionAssert.AreEquivalent(new[] { "MyHooks.deps.json", "MyHooks.dll", "MyHooks.pdb", "MyHooks.runtimeconfig.json" },
            Directory.GetFiles(plugin).Select(Path.GetFileName).ToArray());
        StringAssert.Contains(stdout, "succeeded: 2");
        StringAssert.Contains(stdout, "MyHook: lowest loss so far");
        var test = Regex.Match(stdout, @"Epoch\(test\) \[5/5\]\s+error/rate: (\d+\.\d+)\s+accuracy/top1: (\d+\.\d+)");
        Assert.IsTrue(test.Success, stdout);
        Assert.AreEqual(100.0, double.Parse(test.Groups[1].Value) + double.Parse(test.Groups[2].Value), 1e-3, "MyMetric is 100 − accuracy");
        Assert.IsGreaterThan(90.0, double.Parse(test.Groups[2].Value), "ten epochs of the MLP learn the digits");
        HotSwap_OfTheTemplatesHook_TakesOverWhileTraining(Path.Combine(root, "MyHooks"), Path.Combine(root, "data"));
        APluginMadeBeforeAnyPack_SaysHowToGetTheSdk(root);
    }

    /// <summary>With no package recorded by build/pack-sdk and no --SdkVersion, the build says what to do (not NU1101).</summary>
    private static void APluginMadeBeforeAnyPack_SaysHowToGetTheSdk(string root)
    {
        var start = new System.Diagnostics.ProcessStartInfo("bash", ["-c", "dotnet new runner-plugin -n Plain && dotnet build Plain/Plain.Tests -nologo"])
        {
            WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        start.Environment["DOTNET_CLI_HOME"] = Path.Combine(root, "dotnet-home");
        start.Environment["XDG_DATA_HOME"] = Path.Combine(root, "no-packs-here");
        using var process = System.Diagnostics.Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();

        Assert.AreNotEqual(0, process.ExitCode);
        StringAssert.Contains(stdout + stderr.Result, "No Runner.Sdk version to build against: run build/pack-sdk in your clone of Runner");
        Assert.IsFalse((stdout + stderr.Result).Contains("NU1101", StringComparison.Ordinal), stdout);
    }

    /// <summary>
    /// As docs/plugins.md says: with runner-host --watch training, a rebuild of the template's hooks plugin takes over
    /// at the next iteration, keeping the running hook's state.
    /// </summary>
    private static void HotSwap_OfTheTemplatesHook_TakesOverWhileTraining(string project, string dataHome)
    {
        using var host = HostTester.Start("train", "--config", Path.Combine(project, "my.toml"), "--watch", "--work-dir", Path.Combine(project, "watch"),
            "--cfg-options", "train_cfg.max_epochs=5000", "train_cfg.val_interval=5000", "default_hooks.checkpoint.interval=5000");
        var lines = new OutputLines(host.StandardOutput);
        _ = host.StandardError.ReadToEndAsync();
        // Generous deadlines, not gaps: on a busy machine the rebuild below takes a minute, and the host prints nothing meanwhile.
        string WaitFor(string text) => lines.WaitFor(text, TimeSpan.FromMinutes(5));
        try
        {
            var before = WaitFor("MyHook: lowest loss so far");
            var hook = Path.Combine(project, "MyHooks.Hooks", "MyHook.cs");
            File.WriteAllText(hook, File.ReadAllText(hook).Replace("lowest loss so far", "lowest loss, swapped", StringComparison.Ordinal));
            DotnetCli.RunWith(new Dictionary<string, string> { ["XDG_DATA_HOME"] = dataHome }, project, "build", "MyHooks.Hooks", "-c", "Release", "-nologo", "-v", "quiet");

            StringAssert.Contains(WaitFor("Hook MyHook reloaded from"), "MyHooks.Hooks");
            var after = WaitFor("MyHook: lowest loss, swapped");
            var lowestBefore = double.Parse(before[(before.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            var lowestAfter = double.Parse(after[(after.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            Assert.IsLessThanOrEqualTo(lowestBefore, lowestAfter, "the new hook went on from the old one's lowest loss");
        }
        finally
        {
            host.Kill();
            host.WaitForExit();
        }
    }
}
