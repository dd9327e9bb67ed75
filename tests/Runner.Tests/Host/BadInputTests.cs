namespace Runner.Tests.Host;

using Runner.Tests.Support;

/// <summary>A new user's mistakes: each gives one clear message pointing at the right line, a non-zero exit, and no work_dir.</summary>
[TestClass]
public sealed class BadInputTests
{
    /// <summary>The toy job, resolved into one self-contained file (config print), edited, then run.</summary>
    private static string ResolvedToy() => HostTester.Run("config", "print", "--config", TestEnvironment.ToyConfig).Stdout;

    private static (HostTester.Result Result, string WorkDir) RunToyWith(string name, Func<string, string> edit, params string[] extraArgs)
    {
        var dir = TestEnvironment.NewTempDir(name);
        var config = Path.Combine(dir, "job.toml");
        File.WriteAllText(config, edit(ResolvedToy()));
        var workDir = Path.Combine(dir, "work");
        var result = HostTester.Run(["--config", config, "--work-dir", workDir, .. extraArgs]);
        return (result, workDir);
    }

    private static string ReplaceFirst(string text, string old, string replacement)
    {
        var at = text.IndexOf(old, StringComparison.Ordinal);
        return at < 0 ? throw new ArgumentException($"'{old}' not found") : text[..at] + replacement + text[(at + old.Length)..];
    }

    private static int LineOf(string text, string fragment) =>
        Array.FindIndex(text.Split('\n'), l => l.Contains(fragment, StringComparison.Ordinal)) + 1;

    [TestMethod]
    public void TypoInTypeName_NamesTypeRegistryScopeAndLine()
    {
        var (result, workDir) = RunToyWith("type", t => ReplaceFirst(t, "type = \"ToyModel\"", "type = \"ToyModle\""));
        var line = LineOf(ResolvedToy(), "type = \"ToyModel\"");

        Assert.AreEqual(1, result.ExitCode);
        StringAssert.Contains(result.Stderr, $"job.toml({line},");
        StringAssert.Contains(result.Stderr, "'ToyModle' is not in the model registry (scopes searched: toy -> runner)");
        StringAssert.Contains(result.Stderr, "did you mean 'ToyModel'?");
        Assert.IsFalse(Directory.Exists(workDir));
    }

    [TestMethod]
    public void TypoInKey_NamesKeyAndSuggestsTheRightOne()
    {
        var (result, workDir) = RunToyWith("key", t => ReplaceFirst(t, "max_epochs = 3", "max_epoch = 3"));

        Assert.AreEqual(1, result.ExitCode);
        StringAssert.Contains(result.Stderr, "train_cfg.max_epoch: EpochBasedTrainLoop has no option 'max_epoch'.");
        StringAssert.Contains(result.Stderr, "did you mean 'max_epochs'?");
        Assert.IsFalse(Directory.Exists(workDir));
    }

    [TestMethod]
    public void DuplicateKey_PointsAtTheSecondDefinition()
    {
        var (result, workDir) = RunToyWith("dup", t => ReplaceFirst(t, "work_dir = \"work_dirs/toy\"", "work_dir = \"a\"\nwork_dir = \"b\""));
        var line = LineOf(ResolvedToy(), "work_dir = ") + 1;

        Assert.AreEqual(1, result.ExitCode);
        StringAssert.Contains(result.Stderr, $"job.toml({line},1)");
        StringAssert.Contains(result.Stderr, "already defined");
        Assert.IsFalse(Directory.Exists(workDir));
    }

    [TestMethod]
    public void WrongValueType_SaysWhatWasExpected()
    {
        var (result, workDir) = RunToyWith("value", t => ReplaceFirst(t, "batch_size = 32", "batch_size = \"32\""));

        Assert.AreEqual(1, result.ExitCode);
        StringAssert.Contains(result.Stderr, "train_dataloader.batch_size: expected an integer, got the string \"32\".");
        Assert.IsFalse(Directory.Exists(workDir));
    }

    [TestMethod]
    public void MissingBaseFile_PointsAtBaseLine()
    {
        var (result, workDir) = RunToyWith("base", t => "_base_ = [\"missing.toml\"]\n" + t);

        Assert.AreEqual(1, result.ExitCode);
        StringAssert.Contains(result.Stderr, "job.toml(1,1): _base_: base config 'missing.toml' does not exist.");
        Assert.IsFalse(Directory.Exists(workDir));
    }

    [TestMethod]
    public void UnknownTopLevelKey_SuggestsTheSetting()
    {
        var (result, workDir) = RunToyWith("top", t => ReplaceFirst(t, "[randomness]", "[randomnes]"));

        Assert.AreEqual(1, result.ExitCode);
        StringAssert.Contains(result.Stderr, "'randomnes' is not a runner setting.");
        StringAssert.Contains(result.Stderr, "did you mean 'randomness'?");
        Assert.IsFalse(Directory.Exists(workDir));
    }

    [TestMethod]
    public void MissingConfigFile_OneLineAndNonZeroExit()
    {
        var result = HostTester.Run("--config", "/nonexistent/job.toml");

        Assert.AreEqual(1, result.ExitCode);
        Assert.AreEqual("error: config file '/nonexistent/job.toml' does not exist.", result.Stderr.Split('\n')[0].Trim());
    }

    [TestMethod]
    public void MissingPluginFolder_OneLine()
    {
        var (result, _) = RunToyWith("plugins", t => t, "--plugins", "/nonexistent/plugins");

        Assert.AreEqual(1, result.ExitCode);
        StringAssert.Contains(result.Stderr, "Plugin folder '/nonexistent/plugins' (from --plugins) does not exist.");
    }

    [TestMethod]
    public void UnreadableDataFile_NamesTheFile()
    {
        var (result, _) = RunToyWith("data", t => ReplaceFirst(t, "split = \"train\"", "split = \"train\"\ndata_root = \"/nonexistent/toy\""));

        Assert.AreEqual(1, result.ExitCode);
        StringAssert.Contains(result.Stderr, "Cannot read toy data file '/nonexistent/toy/train_x.f32'");
    }

    [TestMethod]
    public void Help_ExplainsEveryOption()
    {
        var result = HostTester.Run("--help");

        Assert.AreEqual(0, result.ExitCode);
        foreach (var option in new[] { "--config", "--work-dir", "--resume", "--checkpoint", "--cfg-options", "--plugins", "train", "val", "test" })
            StringAssert.Contains(result.Stdout, option);
    }
}
