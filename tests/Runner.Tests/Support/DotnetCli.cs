using System.Diagnostics;
using Runner.Sdk;

namespace Runner.Tests.Support;

/// <summary>Runs the dotnet CLI (pack, build, new) for the tests that build plugins the way their authors do.</summary>
public static class DotnetCli
{
    /// <summary>The configuration these tests were built in (Debug or Release).</summary>
    public static string Configuration => new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;

    /// <summary>Runs <c>dotnet args</c> in <paramref name="workingDirectory"/>, fails the test unless it succeeds, and returns its output.</summary>
    public static string Run(string workingDirectory, params string[] args) => RunFile("dotnet", workingDirectory, args);

    /// <summary>As <see cref="Run"/>, with environment variables set.</summary>
    public static string RunWith(IReadOnlyDictionary<string, string> environment, string workingDirectory, params string[] args) =>
        RunFile("dotnet", workingDirectory, args, environment);

    /// <summary>Runs an executable, fails the test unless it succeeds, and returns its output.</summary>
    public static string RunFile(string file, string workingDirectory, params string[] args) => RunFile(file, workingDirectory, args, null);

    private static string RunFile(string file, string workingDirectory, string[] args, IReadOnlyDictionary<string, string>? environment)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.AreEqual(0, process.ExitCode, $"{file} {string.Join(' ', args)}:\n{output}\n{error.Result}");
        return output;
    }

    private static readonly Lazy<(string Feed, string Version)> Packed = new(() =>
    {
        var feed = TestEnvironment.NewTempDir("sdk-feed");
        return (feed, PackSdk(feed));
    });

    /// <summary>The SDK packed once per test run, for the tests that build against it as outsiders do: its feed folder and version.</summary>
    public static (string Feed, string Version) PackedSdk => Packed.Value;

    /// <summary>Packs the SDK into <paramref name="feed"/> under a version no earlier run used (the NuGet cache keeps packages by version).</summary>
    public static string PackSdk(string feed)
    {
        var version = $"{RunnerInfo.Version}-test.{DateTime.UtcNow:yyyyMMddHHmmssfff}";
        Run(TestEnvironment.RepoRoot, "pack", "sdk/Runner.Sdk.csproj", "-c", Configuration, "--no-build", "-o", feed, $"-p:Version={version}", "-nologo");
        Assert.IsTrue(File.Exists(Path.Combine(feed, $"Runner.Sdk.{version}.nupkg")));
        return version;
    }
}
