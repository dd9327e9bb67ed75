using System.Diagnostics;
using Runner.Sdk.Native;
using Runner.Tests.Support;

namespace Runner.Tests.Host;

/// <summary>
/// A machine with another libtorch on it — Debian's <c>libtorch-dev</c> in the system folders, a conda env or an
/// unpacked archive on <c>LD_LIBRARY_PATH</c> — still runs on Runner's own: the host trains, a test host passes, and
/// TorchSharp never falls back to copying 480 MB of libtorch. One preloaded ahead of Runner's is named in one line.
/// </summary>
[TestClass]
public sealed class ForeignLibTorchTests
{
    private const string SystemLibTorch = "/usr/lib/x86_64-linux-gnu/libtorch_cpu.so";
    private static readonly string[] Names = ["libtorch.so", "libtorch_cpu.so", "libc10.so"];

    /// <summary>
    /// A folder of <c>libtorch.so</c>, <c>libtorch_cpu.so</c> and <c>libc10.so</c> that are not Runner's: links to
    /// Debian's libtorch 1.13 when it is installed, else copies of the C library's <c>libz</c> under those names (they
    /// load, and have none of libtorch's symbols: exactly what broke TorchSharp's bridge).
    /// </summary>
    private static string DecoyFolder()
    {
        var folder = TestEnvironment.NewTempDir("decoy-libtorch");
        var standIn = new[] { "/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1" }.First(File.Exists);
        foreach (var name in Names)
        {
            var system = Path.Combine(Path.GetDirectoryName(SystemLibTorch)!, name);
            if (File.Exists(SystemLibTorch)) File.CreateSymbolicLink(Path.Combine(folder, name), system);
            else File.Copy(standIn, Path.Combine(folder, name));
        }
        return folder;
    }

    private static string TorchSharpFolder => Path.GetDirectoryName(typeof(TorchSharp.torch).Assembly.Location)!;

    private static string HostFolder => Path.Combine(TestEnvironment.RepoRoot, "host", "bin", DotnetCli.Configuration, "net10.0");

    [TestMethod]
    public void TheHost_OnAMachineWithAnotherLibTorch_TrainsOnItsOwn()
    {
        var decoy = DecoyFolder();
        var workDir = TestEnvironment.NewTempDir("decoy-run");

        var result = HostTester.RunProcessWith(new Dictionary<string, string?> { ["LD_LIBRARY_PATH"] = decoy },
            "train", "--config", TestEnvironment.ToyConfig, "--work-dir", workDir, "--cfg-options", "train_cfg.max_epochs=1");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        CollectionAssert.Contains(RunRecords.LogLines(workDir).Select(l => l.Trim()).ToList(), $"libtorch: {Path.Combine(HostFolder, "libtorch")} (2.10.0, CPU only, the build's own)");
        StringAssert.Contains(result.Stdout, "Epoch(val) [1][");
        Assert.AreEqual(29.98046875, RunRecords.Scalars(workDir, "accuracy/top1")[0], 1e-4, "MMEngine's first-epoch accuracy: the run is the usual one");
        Assert.IsFalse(Directory.Exists(Path.Combine(HostFolder, "cpu")), "TorchSharp's fallback copy appeared beside the host");
    }

    [TestMethod]
    public void ATestHost_OnAMachineWithAnotherLibTorch_RunsItsTestsOnRunnersOwn()
    {
        var decoy = DecoyFolder();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])[typeof(ForeignLibTorchTests).Assembly.Location, "--filter", $"FullyQualifiedName~{nameof(NativeLibraryTests)}", "--no-progress"])
            start.ArgumentList.Add(arg);
        start.Environment["LD_LIBRARY_PATH"] = decoy;
        start.Environment.Remove("CI"); // a plain summary, without colour codes

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        Assert.IsTrue(process.WaitForExit(TimeSpan.FromMinutes(5)), "the test host did not end within 5 minutes");

        Assert.AreEqual(0, process.ExitCode, stdout + stderr.Result);
        StringAssert.Matches(stdout, new System.Text.RegularExpressions.Regex(@"succeeded: [1-9]"), stdout);
        StringAssert.Contains(stdout, "failed: 0");
        Assert.IsFalse(Directory.Exists(Path.Combine(TorchSharpFolder, "cpu")), "TorchSharp's fallback copy appeared beside the tests");
    }

    [TestMethod]
    public void AnotherLibTorch_LoadedAheadOfRunners_IsNamedInOneLine()
    {
        var decoy = DecoyFolder();
        var workDir = Path.Combine(TestEnvironment.NewTempDir("decoy-preload"), "work");

        var result = HostTester.RunProcessWith(new Dictionary<string, string?> { ["LD_PRELOAD"] = Path.Combine(decoy, "libc10.so") },
            "train", "--config", TestEnvironment.ToyConfig, "--work-dir", workDir);

        Assert.AreEqual(1, result.ExitCode, result.Stdout + result.Stderr);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.HasCount(1, lines, result.Stderr);
        StringAssert.StartsWith(lines[0], "error: Another libtorch got in the way: ");
        StringAssert.Contains(lines[0], "libc10.so");
        StringAssert.Contains(lines[0], $"Remove it from LD_PRELOAD ({Path.Combine(decoy, "libc10.so")})");
        Assert.IsFalse(Directory.Exists(workDir), "nothing is written before the libtorch is settled");
    }

    [TestMethod]
    public void ThisTestProcess_MapsNoOtherLibTorch()
    {
        Assert.IsNotNull(LibTorchLoader.Loaded, "the tests' set-up chose the libtorch before the first tensor");

        Assert.IsNull(LibTorchLoader.ForeignLibTorchMapped(LibTorchLoader.Loaded.Path));
        Assert.IsTrue(LibTorchLoader.LoadedIsBuildOwn);
    }
}
