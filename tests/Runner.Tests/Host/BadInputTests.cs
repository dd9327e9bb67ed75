using Runner.Tests.Support;

namespace Runner.Tests.Host;

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
    public void MissingPluginFolder_OrAFileGivenAsOne_OneLine()
    {
        var (result, _) = RunToyWith("plugins", t => t, "--plugins", "/nonexistent/plugins");
        var (device, _) = RunToyWith("plugins", t => t, "--plugins", "/dev/null");

        Assert.AreEqual(1, result.ExitCode);
        StringAssert.Contains(result.Stderr, "Plugin folder '/nonexistent/plugins' (from --plugins) does not exist.");
        Refusal.AssertOneLine(device, "Plugin folder '/dev/null' (from --plugins) is a character device, not a folder.");
    }

    [TestMethod]
    [DataRow("train", "train_cfg: EpochBasedTrainLoop: the train dataloader yields no batch: batch_size = 100000 with drop_last = true leaves none of the")]
    [DataRow("val", "val_cfg: ValLoop: the val dataloader yields no batch: batch_size = 100000 with drop_last = true leaves none of the")]
    public void ADataloaderThatYieldsNoBatch_IsRefusedBeforeTraining_NotRunForZeroIterations(string split, string message)
    {
        var workDir = Path.Combine(TestEnvironment.NewTempDir("no-batch"), "work");

        var result = HostTester.Run("train", "--config", TestEnvironment.ToyConfig, "--work-dir", workDir,
            "--cfg-options", $"{split}_dataloader.batch_size=100000", $"{split}_dataloader.drop_last=true");

        Refusal.AssertOneLine(result, message, "lower batch_size or set drop_last = false.");
        Assert.IsFalse(Directory.Exists(workDir) && Directory.EnumerateFiles(workDir, "*.ckpt").Any(), "nothing was trained");
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
    /// <summary>Asserts a refused run: exit 1, no stack trace, the message, and no work dir.</summary>
    private static void AssertRefused(HostTester.Result result, string workDir, params string[] fragments)
    {
        Assert.AreEqual(1, result.ExitCode, result.Stderr);
        Assert.IsFalse(result.Stderr.Contains("   at ", StringComparison.Ordinal), result.Stderr);
        foreach (var fragment in fragments) StringAssert.Contains(result.Stderr, fragment);
        Assert.IsFalse(Directory.Exists(workDir), "nothing is written for a config that fails its checks");
    }

    [TestMethod]
    [DataRow("num_threads = 0")]
    [DataRow("num_threads = -1")]
    [DataRow("num_interop_threads = 0")]
    public void ThreadCountsBelowOne_AreConfigErrors_NotNativeAborts(string setting)
    {
        var (result, workDir) = RunToyWith("threads", t => t + $"\n[env_cfg]\n{setting}\n");
        var key = setting.Split(' ')[0];

        AssertRefused(result, workDir, $"job.toml({LineOf(ResolvedToy() + $"\n[env_cfg]\n{setting}\n", setting)},", $"env_cfg.{key}: must be between 1 and 1024, got the integer {setting.Split(' ')[2]}.");
    }

    [TestMethod]
    [DataRow("optim_wrapper.clip_grad={ max_norm = -1.0 }", "optim_wrapper.clip_grad.max_norm: must be a positive, finite number, got -1.")]
    [DataRow("optim_wrapper.optimizer.lr=inf", "optim_wrapper.optimizer.lr: must be greater than 0 and finite, got the number inf.")]
    [DataRow("optim_wrapper.optimizer.lr=nan", "optim_wrapper.optimizer.lr: must be greater than 0 and finite")]
    [DataRow("param_scheduler=[{ type = \"MultiStepLR\", milestones = [1, -2] }]", "param_scheduler[0].milestones[1]: must be at least 0, got the integer -2.")]
    [DataRow("model.hidden=-5", "model.hidden: must be at least 1, got the integer -5.")]
    [DataRow("train_dataloader.batch_size=-1", "train_dataloader.batch_size: must be at least 1, got the integer -1.")]
    [DataRow("default_hooks.checkpoint.interval=0", "default_hooks.checkpoint.interval: CheckpointHook: interval must be a positive integer or -1, got 0.")]
    [DataRow("train_cfg.max_epochs=99999999999999", "train_cfg.max_epochs: 99999999999999 is out of range: it must be between")]
    [DataRow("load_from={ path = \"x.ckpt\", revise_keys = [[\"(unclosed\", \"\"]] }", "load_from.revise_keys: '(unclosed' is not a valid regular expression")]
    public void BadValues_FromTheCommandLine_AreReportedThere_InConfigWords(string option, string message)
    {
        var (result, workDir) = RunToyWith("values", t => t, "--cfg-options", option);

        AssertRefused(result, workDir, "error: --cfg-options", message);
        Assert.IsFalse(result.Stderr.Contains("batchSize", StringComparison.Ordinal));
    }

    [TestMethod]
    public void BadValue_InAChildConfig_IsReportedAtTheChildsLine()
    {
        var dir = TestEnvironment.NewTempDir("child");
        File.WriteAllText(Path.Combine(dir, "base.toml"), ResolvedToy());
        var child = Path.Combine(dir, "child.toml");
        File.WriteAllText(child, "_base_ = [\"base.toml\"]\n\n[train_dataloader]\nbatch_size = -1\n");
        var workDir = Path.Combine(dir, "work");

        var result = HostTester.Run("--config", child, "--work-dir", workDir);

        AssertRefused(result, workDir, "child.toml(4,1): train_dataloader.batch_size: must be at least 1, got the integer -1.");
    }

    [TestMethod]
    public void ConfigOrBasePath_ThatIsAFolder_SaysSo()
    {
        var dir = TestEnvironment.NewTempDir("folder");
        var child = Path.Combine(dir, "child.toml");
        File.WriteAllText(child, "_base_ = [\"..\"]\n");

        Assert.AreEqual("error: config '" + dir + "' is a folder, not a file.", HostTester.Run("--config", dir).Stderr.Split('\n')[0].Trim());
        StringAssert.Contains(HostTester.Run("--config", child).Stderr, "child.toml(1,1): _base_: base config '..' is a folder, not a file.");
    }

    [TestMethod]
    public void ConfigPrint_NeverLoadsTheConfigsPlugins()
    {
        var dir = TestEnvironment.NewTempDir("print");
        var config = Path.Combine(dir, "job.toml");
        File.WriteAllText(config, "plugins = [\"/nonexistent/plugins\"]\n" + ResolvedToy());

        var print = HostTester.Run("config", "print", "--config", config);
        var run = HostTester.Run("--config", config, "--work-dir", Path.Combine(dir, "work"));

        Assert.AreEqual(0, print.ExitCode, print.Stderr);
        StringAssert.Contains(print.Stdout, "plugins = [\"/nonexistent/plugins\"]");
        Assert.AreEqual(1, run.ExitCode, "a run loads them: the folder is missing");
        StringAssert.Contains(run.Stderr, "/nonexistent/plugins");
    }

    [TestMethod]
    public void ADllWithoutDepsJson_InAPluginFolder_IsNamedInAWarning()
    {
        var plugins = TestEnvironment.NewTempDir("stray");
        File.WriteAllText(Path.Combine(plugins, "MyHooks.dll"), "not really an assembly");
        var (result, _) = RunToyWith("stray", t => t, "--plugins", plugins, "--cfg-options", "train_cfg.max_epochs=1");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        StringAssert.Contains(result.Stderr, $"warning: {Path.Combine(plugins, "MyHooks.dll")} is not loaded: it has no MyHooks.deps.json beside it");
        StringAssert.Contains(result.Stderr, $"warning: {plugins} (--plugins) holds no plugin: a plugin is an assembly with its .deps.json beside it");
    }

    [TestMethod]
    public void AnEmptyPluginFolder_IsNamedInAWarning()
    {
        var plugins = TestEnvironment.NewTempDir("no-plugins");
        Directory.CreateDirectory(Path.Combine(plugins, "docs"));

        var result = HostTester.Run("list", "--plugins", plugins);

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        StringAssert.Contains(result.Stderr, $"warning: {plugins} (--plugins) holds no plugin");
        StringAssert.Contains(result.Stdout, "Runner.Plugins.Digits", "the built-in plugins are loaded as always");
    }

    /// <summary>
    /// Config values replaced one at a time by values of every kind (negative, zero, huge, non-finite, wrong
    /// type): each run either works or is refused with exit 1 and a message — never exit 70 or a stack trace.
    /// </summary>
    [TestMethod]
    public void MutatedConfigs_NeverEndInAStackTrace()
    {
        var resolved = ResolvedToy();
        var lines = resolved.Split('\n');
        var values = new[] { "-1", "0", "99999999999999999", "inf", "-inf", "nan", "\"x\"", "true", "[]", "{}", "1.5" };
        var dir = TestEnvironment.NewTempDir("mutated");
        var config = Path.Combine(dir, "job.toml");
        var trial = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            var at = lines[i].IndexOf(" = ", StringComparison.Ordinal);
            if (at < 0 || lines[i].StartsWith("work_dir", StringComparison.Ordinal)) continue;
            var value = values[trial++ % values.Length];
            var mutated = (string[])lines.Clone();
            mutated[i] = lines[i][..(at + 3)] + value;
            File.WriteAllText(config, string.Join('\n', mutated));

            var result = HostTester.Run("config", "validate", "--config", config);

            Assert.IsTrue(result.ExitCode is 0 or 1, $"{mutated[i]}: exit {result.ExitCode}\n{result.Stderr}");
            Assert.IsFalse(result.Stderr.Contains("   at ", StringComparison.Ordinal), $"{mutated[i]}:\n{result.Stderr}");
        }
        Assert.IsGreaterThan(20, trial);
    }

    /// <summary>
    /// Every top-level setting, and a few nested values with ranges, replaced on the command line (--cfg-options) by
    /// values of every kind: each is accepted or refused with exit 1 and a message, never a stack trace; a setting
    /// that is a table is never accepted as anything else (it used to be passed over without a word).
    /// </summary>
    [TestMethod]
    public void MutatedTopLevelValues_OnTheCommandLine_AreCheckedForTypeAndRange()
    {
        string[] tables = ["randomness", "env_cfg", "auto_scale_lr", "model_wrapper_cfg", "train_cfg", "val_cfg", "test_cfg", "default_hooks", "log_processor"];
        string[] others = ["work_dir", "experiment_name", "default_scope", "compile", "plugins", "resume", "load_from", "log_level", "device", "launcher",
            "randomness.seed", "env_cfg.num_threads", "train_dataloader.num_workers", "train_cfg.max_epochs", "optim_wrapper.optimizer.momentum"];
        string[] values = ["-1", "0", "4294967296", "99999999999999999", "inf", "-inf", "nan", "\"x\"", "true", "[]", "{}", "1.5"];
        var trials = 0;
        foreach (var key in tables.Concat(others))
        {
            foreach (var value in values)
            {
                var result = HostTester.Run("config", "validate", "--config", TestEnvironment.ToyConfig, "--cfg-options", $"{key}={value}");
                trials++;

                Assert.IsTrue(result.ExitCode is 0 or 1, $"{key}={value}: exit {result.ExitCode}\n{result.Stderr}");
                Assert.IsFalse((result.Stdout + result.Stderr).Contains("   at ", StringComparison.Ordinal), $"{key}={value}:\n{result.Stderr}");
                if (tables.Contains(key) && value != "{}")
                    Assert.AreEqual(1, result.ExitCode, $"{key}={value} was accepted, though {key} is a table:\n{result.Stdout}");
                if (result.ExitCode == 1) StringAssert.Contains(result.Stderr + result.Stdout, key.Split('.')[0], $"{key}={value}: the message names the key");
            }
        }
        Assert.AreEqual((tables.Length + others.Length) * values.Length, trials);
    }
}
