using Runner.Sdk;
using Runner.Sdk.Native;
using Runner.Tests.Support;

namespace Runner.Tests.Host;

/// <summary>
/// What a CPU-only machine can check of the GPU path: the libtorch search and its messages (with fake folders),
/// <c>--libtorch</c> at another copy of the CPU libtorch behaving exactly like the default, the device settings, and
/// <c>cuda</c> refused at once with the way to a CUDA libtorch.
/// </summary>
[TestClass]
public sealed class GpuSelectionTests
{
    private static string PackageLibTorch =>
        Path.Combine(Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"),
            "libtorch-cpu-linux-x64", "2.10.0", "runtimes", "linux-x64", "native");

    /// <summary>Whether the system's Python has a PyTorch (Debian's python3-torch): then the search rightly finds one.</summary>
    private static bool SystemPythonHasTorch => File.Exists("/usr/lib/python3/dist-packages/torch/__init__.py");

    private static string FakeLibTorch(string name, bool cuda, string? versionPy = null, string? buildVersion = null)
    {
        var root = TestEnvironment.NewTempDir(name);
        var lib = Path.Combine(root, "lib");
        Directory.CreateDirectory(lib);
        foreach (var file in cuda ? LibTorchFolder.LoadOrder : ["libc10.so", "libtorch_cpu.so", "libtorch.so"]) File.WriteAllText(Path.Combine(lib, file), "");
        if (versionPy is not null) File.WriteAllText(Path.Combine(root, "version.py"), $"__version__ = '{versionPy}'\ngit_version = 'abc'\n");
        if (buildVersion is not null) File.WriteAllText(Path.Combine(root, "build-version"), buildVersion + "\n");
        return lib;
    }

    [TestMethod]
    public void Inspect_TellsCudaAndTheVersion_FromEachKindOfFolder()
    {
        var python = LibTorchFolder.Inspect(FakeLibTorch("lt-python", cuda: true, versionPy: "2.11.0+cu130"), "--libtorch");
        var archive = LibTorchFolder.Inspect(FakeLibTorch("lt-archive", cuda: false, buildVersion: "2.10.0+cpu"), "--libtorch");
        var package = LibTorchFolder.Inspect(PackageLibTorch, "--libtorch");
        var unknown = LibTorchFolder.Inspect(FakeLibTorch("lt-unknown", cuda: false), "--libtorch");

        Assert.IsTrue(python.HasCuda);
        Assert.AreEqual("2.11.0+cu130", python.Version);
        Assert.IsFalse(python.VersionMatches, "2.11 is not the 2.10 TorchSharp 0.107 was built for");
        Assert.IsFalse(archive.HasCuda);
        Assert.AreEqual("2.10.0+cpu", archive.Version);
        Assert.IsTrue(archive.VersionMatches);
        Assert.AreEqual("2.10.0", package.Version);
        Assert.IsTrue(package.VersionMatches);
        Assert.IsNull(unknown.Version);
        StringAssert.Contains(unknown.VersionSource, "no build-version");
    }

    [TestMethod]
    public void Inspect_NamesWhatIsWrongWithAFolder()
    {
        var missing = Assert.ThrowsExactly<RunnerException>(() => LibTorchFolder.Inspect("/nonexistent/torch/lib", "--libtorch")).Message;
        var root = Path.GetDirectoryName(FakeLibTorch("lt-root", cuda: false))!;
        var parent = Assert.ThrowsExactly<RunnerException>(() => LibTorchFolder.Inspect(root, "RUNNER_LIBTORCH")).Message;

        StringAssert.Contains(missing, "--libtorch names '/nonexistent/torch/lib', which is not a folder");
        StringAssert.Contains(parent, "RUNNER_LIBTORCH names");
        StringAssert.Contains(parent, "it has no libc10.so, libtorch_cpu.so, libtorch.so");
        StringAssert.Contains(parent, $"Did you mean '{Path.Combine(root, "lib")}'?");
    }

    [TestMethod]
    public void LibTorchOfAnotherCopy_TrainsExactlyAsTheDefault_AndTheLogNamesIt()
    {
        var workDir = TestEnvironment.NewTempDir("lt-package");

        var result = HostTester.RunProcess("train", "--config", TestEnvironment.ToyConfig, "--libtorch", PackageLibTorch, "--work-dir", workDir);

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        StringAssert.Contains(result.Stdout, $"libtorch 2.10.0 from {PackageLibTorch}");
        CollectionAssert.AreEqual(new[] { 29.98046875, 34.5703125, 35.05859375 }, RunRecords.Scalars(workDir, "accuracy/top1"), "MMEngine's figures, as with the build's own libtorch");
        Assert.IsFalse(result.Stdout.Contains("WARN", StringComparison.Ordinal), result.Stdout);
    }

    [TestMethod]
    public void Cuda_OnAMachineWithoutOne_FailsAtOnce_SayingHowToPointAtACudaLibTorch()
    {
        var workDir = TestEnvironment.NewTempDir("lt-cuda");
        // python3 answers with a CPU-only libtorch, as a CPU wheel of PyTorch would.
        var bin = TestEnvironment.NewTempDir("lt-fake-python");
        File.WriteAllText(Path.Combine(bin, "python3"), $"#!/bin/sh\necho {PackageLibTorch}\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(Path.Combine(bin, "python3"), UnixFileMode.UserRead | UnixFileMode.UserExecute);

        var plain = HostTester.RunProcess("--config", TestEnvironment.DigitsConfig, "--device", "cuda", "--work-dir", workDir);
        var cpuWheel = HostTester.RunProcessWith(new Dictionary<string, string?> { ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH") },
            "--config", TestEnvironment.DigitsConfig, "--device", "cuda:1", "--work-dir", workDir);
        var broken = HostTester.RunProcess("--config", TestEnvironment.DigitsConfig, "--device", "cuda", "--libtorch", FakeLibTorch("lt-fake-cuda", cuda: true), "--work-dir", workDir);

        Assert.AreEqual(1, plain.ExitCode);
        StringAssert.StartsWith(plain.Stderr, "error: device \"cuda\" needs a CUDA build of libtorch");
        StringAssert.Contains(plain.Stderr, "--libtorch DIR");
        if (!SystemPythonHasTorch) StringAssert.Matches(plain.Stderr, new System.Text.RegularExpressions.Regex(@"no Python has a PyTorch to take it from \(python3: [^;]+; /usr/bin/python3: [^)]+\)"));
        Assert.AreEqual(1, cpuWheel.ExitCode);
        StringAssert.StartsWith(cpuWheel.Stderr, "error: device \"cuda:1\" needs a CUDA build of libtorch", "the device as it was asked for");
        StringAssert.Contains(cpuWheel.Stderr, $"{PackageLibTorch} (python3's torch) is a CPU-only libtorch");
        Assert.AreEqual(1, broken.ExitCode);
        StringAssert.Contains(broken.Stderr, "libc10.so (--libtorch) could not be loaded");
        Assert.IsFalse(Directory.EnumerateFiles(workDir, "*.ckpt", SearchOption.AllDirectories).Any(), "nothing was trained");
        foreach (var result in new[] { plain, cpuWheel, broken }) Assert.AreEqual(1, result.Stderr.Trim().Split('\n').Length, result.Stderr);
    }

    [TestMethod]
    public void BuildWithoutLibTorch_RunsOnTheOneNamed_AndSaysSoWhenNoneIs()
    {
        // build/gpu-check's ResNet-18 timer carries no libtorch (as the GPU pack's runner-host): it runs on the folder given.
        var timer = Path.Combine(TestEnvironment.RepoRoot, "bench", "GpuCheck", "bin", DotnetCli.Configuration, "net10.0", "gpu-check");
        string[] step = ["--device", "cpu", "--batch", "2", "--size", "32", "--steps", "1", "--repeats", "1"];

        var named = DotnetCli.RunFile(timer, TestEnvironment.RepoRoot, ["--libtorch", PackageLibTorch, .. step]);
        var start = new System.Diagnostics.ProcessStartInfo(timer) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in step) start.ArgumentList.Add(arg);
        start.Environment["PATH"] = "/nonexistent"; // no python3 to take a PyTorch from
        using var none = System.Diagnostics.Process.Start(start)!;
        var error = none.StandardError.ReadToEnd();
        none.WaitForExit();

        StringAssert.Matches(named, new System.Text.RegularExpressions.Regex(@"^torchsharp cpu batch 2 size 32: min [0-9.]+ ms, median [0-9.]+ ms per step"));
        if (SystemPythonHasTorch) Assert.Inconclusive("/usr/bin/python3 has a PyTorch here, which a build without libtorch rightly takes.");
        Assert.AreEqual(1, none.ExitCode);
        StringAssert.StartsWith(error, "error: This build of Runner carries no libtorch (TorchBackend=external), and no Python has a PyTorch to take it from (python3: not found; /usr/bin/python3: ");
        Assert.IsFalse(Directory.Exists(Path.Combine(Path.GetDirectoryName(timer)!, "cpu")), "TorchSharp's 480 MB fallback copy was never made");
    }

    [TestMethod]
    public void DeviceSettings_AreCheckedAndApplied()
    {
        var auto = HostTester.Run("train", "--config", TestEnvironment.ToyConfig, "--device", "auto", "--verbose", "--work-dir", TestEnvironment.NewTempDir("lt-auto"),
            "--cfg-options", "train_cfg.max_epochs=1", "randomness.deterministic=true", "env_cfg.cudnn_benchmark=true", "train_dataloader.pin_memory=true");
        var bad = HostTester.Run("train", "--config", TestEnvironment.ToyConfig, "--cfg-options", "device=\"gpu\"");

        Assert.AreEqual(0, auto.ExitCode, auto.Stderr);
        StringAssert.Contains(auto.Stdout, "device: cpu");
        StringAssert.Contains(auto.Stdout, "env_cfg.cudnn_benchmark has no effect on cpu: cuDNN runs on CUDA devices only.");
        StringAssert.Contains(auto.Stdout, "train_dataloader.pin_memory has no effect: there is no CUDA device");
        Assert.IsTrue(LibTorchContext.DeterministicCuDnn, "randomness.deterministic sets cuDNN's deterministic switch");
        Assert.IsFalse(LibTorchContext.BenchmarkCuDnn, "and keeps its benchmark off, even with cudnn_benchmark");
        Assert.AreEqual(1, bad.ExitCode);
        StringAssert.Contains(bad.Stderr, "device: 'gpu' is not a device.");
        StringAssert.Contains(bad.Stderr, "use one of: cpu, cuda, cuda:N, auto.");
    }
}
