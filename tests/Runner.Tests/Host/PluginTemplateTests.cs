namespace Runner.Tests.Host;

using System.Text.RegularExpressions;
using Runner.Tests.Support;

/// <summary>
/// templates/runner-plugin, used as a new user would: dotnet new install, dotnet new runner-plugin, build against the
/// packed SDK, run the generated tests, and train the generated config with runner-host.
/// </summary>
[TestClass]
public sealed class PluginTemplateTests
{
    [TestMethod]
    public void NewPlugin_FromTheTemplate_Builds_PassesItsTests_AndTrains()
    {
        // Arrange: the SDK package, and the template installed in a hive of its own.
        var root = TestEnvironment.NewTempDir("template");
        var feed = Path.Combine(root, "feed");
        var version = DotnetCli.PackSdk(feed);
        var hive = Path.Combine(root, "hive");
        DotnetCli.Run(root, "new", "install", Path.Combine(TestEnvironment.RepoRoot, "templates", "runner-plugin"), "--debug:custom-hive", hive);

        // Act
        DotnetCli.Run(root, "new", "runner-plugin", "-n", "MyHooks", "--SdkVersion", version, "--SdkFeed", feed, "--debug:custom-hive", hive);
        var project = Path.Combine(root, "MyHooks");
        DotnetCli.Run(project, "build", "MyHooks.Tests", "-c", "Release", "-nologo", "-v", "quiet");
        var tests = DotnetCli.RunFile(Path.Combine(project, "MyHooks.Tests", "bin", "Release", "net10.0", "MyHooks.Tests"), project);
        var plugin = Path.Combine(project, "MyHooks", "bin", "Release", "net10.0");
        var train = HostTester.RunProcess("--config", Path.Combine(project, "my.toml"), "--plugins", plugin, "--work-dir", Path.Combine(root, "work"),
            "--cfg-options", "train_cfg.max_epochs=5");

        // Assert
        StringAssert.Contains(tests, "succeeded: 2");
        CollectionAssert.AreEquivalent(new[] { "MyHooks.deps.json", "MyHooks.dll", "MyHooks.pdb", "MyHooks.runtimeconfig.json" },
            Directory.GetFiles(plugin).Select(Path.GetFileName).ToArray());
        Assert.AreEqual(0, train.ExitCode, train.Stderr);
        StringAssert.Contains(train.Stdout, "MyHook: lowest loss so far");
        var test = Regex.Match(train.Stdout, @"Epoch\(test\) \[5/5\]\s+error/rate: (\d+\.\d+)\s+accuracy/top1: (\d+\.\d+)");
        Assert.IsTrue(test.Success, train.Stdout);
        Assert.AreEqual(100.0, double.Parse(test.Groups[1].Value) + double.Parse(test.Groups[2].Value), 1e-3, "MyMetric is 100 − accuracy");
        Assert.IsGreaterThan(85.0, double.Parse(test.Groups[2].Value), "five epochs of the MLP learn the digits");
    }
}
