namespace Runner.Tests.Support;

using Runner.Sdk.Native;

/// <summary>Once per test run: make TorchSharp's native library loadable before any test touches a tensor.</summary>
[TestClass]
public static class TestEnvironment
{
    [AssemblyInitialize]
    public static void Initialize(TestContext context) => TorchNativeLibrary.EnsureLoadable();

    /// <summary>The repository root (the folder holding Runner.sln).</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string ToyConfig => Path.Combine(RepoRoot, "configs", "toy.toml");

    public static string DigitsConfig => Path.Combine(RepoRoot, "runner.toml");

    /// <summary>A new empty folder under the system temp folder.</summary>
    public static string NewTempDir(string name)
    {
        var dir = Path.Combine(Path.GetTempPath(), "runner-tests", $"{name}-{Guid.NewGuid():N}");
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
