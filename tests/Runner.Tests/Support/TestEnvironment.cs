using Runner.Sdk.Native;

namespace Runner.Tests.Support;

/// <summary>
/// Once per test run: make TorchSharp's native library loadable, and load it, before any test touches a tensor; at the end, remove
/// the run's temporary folders (hundreds of megabytes of work dirs), and those a killed run left a day ago or more.
/// </summary>
[TestClass]
public static class TestEnvironment
{
    private static readonly string TempRoot = Path.Combine(Path.GetTempPath(), "runner-tests");

    /// <summary>This run's folder under <see cref="TempRoot"/>.</summary>
    private static readonly string RunRoot = Path.Combine(TempRoot, $"run-{DateTime.UtcNow:yyyyMMddHHmmss}-{Environment.ProcessId}");

    [AssemblyInitialize]
    public static void Initialize(TestContext context)
    {
        TorchNativeLibrary.EnsureLoadable();
        // Load libtorch now, by full path, the way a run does: whatever another libtorch on the machine, this one is
        // what TorchSharp binds to, and a test class run on its own may make a module before any torch.* call.
        LibTorchLoader.EnsureDefault();
        TorchSharp.torch.InitializeDeviceType(TorchSharp.DeviceType.CPU);
        if (!Directory.Exists(TempRoot)) return;
        foreach (var old in Directory.EnumerateDirectories(TempRoot).Where(d => Directory.GetLastWriteTimeUtc(d) < DateTime.UtcNow.AddDays(-1)))
            TryDelete(old);
    }

    [AssemblyCleanup]
    public static void Cleanup() => TryDelete(RunRoot);

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A folder still in use (a mount a failed test left): the next run's clean-up takes it.
        }
    }

    /// <summary>The repository root (the folder holding Runner.sln).</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string ToyConfig => Path.Combine(RepoRoot, "configs", "toy.toml");

    public static string DigitsConfig => Path.Combine(RepoRoot, "runner.toml");

    /// <summary>A new empty folder under the system temp folder.</summary>
    public static string NewTempDir(string name)
    {
        var dir = Path.Combine(RunRoot, $"{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Runner.sln"))) return dir.FullName;
        throw new InvalidOperationException("Runner.sln not found above " + AppContext.BaseDirectory);
    }
}
