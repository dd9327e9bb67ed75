using Runner.Tests.Support;

namespace Runner.Tests.Host;

/// <summary>
/// examples/third-party-plugin, built as an outsider builds it: against the SDK packed into a local folder feed,
/// outside Runner.sln; its output holds only its own files, and runner-host loads it and uses its metric.
/// </summary>
[TestClass]
public sealed class ThirdPartyPluginTests
{
    [TestMethod]
    public void PackedSdk_ThirdPartyPlugin_BuildsAlone_AndTheHostUsesIt()
    {
        // Arrange: the SDK as a package.
        var (feed, version) = DotnetCli.PackedSdk;
        var output = TestEnvironment.NewTempDir("third-party-bin");

        // Act: build the example against the package, then run a validation with its metric.
        var example = Path.Combine(TestEnvironment.RepoRoot, "examples", "third-party-plugin");
        DotnetCli.Run(example, "build", "-c", "Release", "-o", output, $"-p:RunnerSdkFeed={feed}", $"-p:RunnerSdkVersion={version}", "-nologo", "-v", "quiet");
        var workDir = TestEnvironment.NewTempDir("third-party-run");
        Assert.AreEqual(0, HostTester.Run("train", "--config", TestEnvironment.ToyConfig, "--work-dir", workDir, "--fast-dev-run").ExitCode);
        var result = HostTester.Run("val", "--config", TestEnvironment.ToyConfig, "--work-dir", workDir,
            "--plugins", output, "--cfg-options", "val_evaluator={ type = \"thirdparty.BalancedAccuracy\" }");

        // Assert
        CollectionAssert.AreEquivalent(
            new[] { "ThirdParty.Metrics.deps.json", "ThirdParty.Metrics.dll", "ThirdParty.Metrics.pdb", "ThirdParty.Metrics.runtimeconfig.json" },
            Directory.GetFiles(output).Select(Path.GetFileName).ToArray(), "the SDK, TorchSharp and NLog come from the host");
        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        StringAssert.Matches(result.Stdout, new System.Text.RegularExpressions.Regex(@"Epoch\(val\) \[0\]\[32/32\]\s+balanced/accuracy: \d+\.\d{4}"));
    }
}
