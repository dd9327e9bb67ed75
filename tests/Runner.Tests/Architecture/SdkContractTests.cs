using System.Diagnostics;
using Runner.Tests.Support;

namespace Runner.Tests.Architecture;

/// <summary>
/// The SDK's public API is a contract: the build refuses a public member that is not recorded in
/// sdk/PublicAPI.*.txt (PublicApiAnalyzers) or not documented (CS1591), so a change to it cannot slip through review.
/// </summary>
[TestClass]
public sealed class SdkContractTests
{
    [TestMethod]
    public void NewPublicMember_Unrecorded_AndUndocumented_FailsTheSdkBuild()
    {
        // Arrange: the SDK's project file and the repository's build settings, around one new public member and an
        // empty API record. Only the new member is compiled (the SDK's own sources would take 10 s to find the same):
        // what refuses it is the project's analyzers and warning settings, which are the real ones.
        var copy = TestEnvironment.NewTempDir("sdk-contract");
        foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props", ".editorconfig", "global.json",
                     Path.Combine("sdk", "Runner.Sdk.csproj"), Path.Combine("sdk", "PublicAPI.Unshipped.txt") })
            CopyInto(Path.Combine(TestEnvironment.RepoRoot, file), Path.Combine(copy, file));
        var shippedHeader = File.ReadLines(Path.Combine(TestEnvironment.RepoRoot, "sdk", "PublicAPI.Shipped.txt")).First();
        File.WriteAllText(Path.Combine(copy, "sdk", "PublicAPI.Shipped.txt"), shippedHeader + "\n");
        File.WriteAllText(Path.Combine(copy, "sdk", "Extra.cs"), "namespace Runner.Sdk;\n\npublic static class Extra\n{\n    public static int Value => 1;\n}\n");

        // Act
        var (exitCode, output) = Build(Path.Combine(copy, "sdk", "Runner.Sdk.csproj"));

        // Assert
        Assert.AreNotEqual(0, exitCode, output);
        StringAssert.Contains(output, "RS0016", "the new member is not in PublicAPI.Unshipped.txt");
        StringAssert.Contains(output, "Symbol 'static Runner.Sdk.Extra.Value.get -> int' is not part of the declared public API", output);
        StringAssert.Contains(output, "CS1591", "the new member has no XML documentation");
    }

    [TestMethod]
    public void ShippedApi_NamesThePublicTypes_AndNoInternalPlumbing()
    {
        var shipped = File.ReadAllLines(Path.Combine(TestEnvironment.RepoRoot, "sdk", "PublicAPI.Shipped.txt"));

        foreach (var contract in new[] { "Runner.Sdk.Running.TrainingRunner", "Runner.Sdk.Hooks.Hook", "Runner.Sdk.Models.BaseModel",
                     "Runner.Sdk.Evaluation.BaseMetric<TResult>", "Runner.Sdk.Running.Mode", "Runner.Sdk.Hosting.RunnerProcess" })
            Assert.IsTrue(shipped.Any(line => line.StartsWith(contract + ".", StringComparison.Ordinal) || line == contract), contract);
        foreach (var plumbing in new[] { "CheckpointFile", "AtomicFile", "FileSyncQueue", "TorchNativeLibrary", "ElfVersionPatcher",
                     "LibTorchContext", "FileLimit", "ConfigWriter", "PluginFolder", "MpiCommunicator", "WorkDirCheckpoints" })
            Assert.IsFalse(shipped.Any(line => line.Contains("." + plumbing + ".", StringComparison.Ordinal)), plumbing);
    }

    private static void CopyInto(string source, string target)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Copy(source, target);
    }

    private static (int ExitCode, string Output) Build(string project)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "build", project, "-c", "Release", "-nologo", "-p:GenerateDocumentationFile=true" }) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output + error.Result);
    }
}
