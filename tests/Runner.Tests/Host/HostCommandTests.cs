using Runner.Sdk.Checkpoints;
using Runner.Tests.Support;

namespace Runner.Tests.Host;

/// <summary>The config and registry commands of runner-host, and the config dump.</summary>
[TestClass]
public sealed class HostCommandTests
{
    [TestMethod]
    public void ConfigPrint_ResolvesBasesAndOverrides()
    {
        var result = HostTester.Run("config", "print", "--config", TestEnvironment.ToyConfig, "--cfg-options", "train_cfg.max_epochs=7");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        StringAssert.Contains(result.Stdout, "max_epochs = 7");
        StringAssert.Contains(result.Stdout, "[train_dataloader.dataset]\ntype = \"toy.ToyDataset\"", "from _base_/toy_data.toml");
        StringAssert.Contains(result.Stdout, "[default_hooks.logger]\ninterval = 50", "from _base_/default_runtime.toml");
        Assert.IsFalse(result.Stdout.Contains("_base_"));
    }

    [TestMethod]
    public void ConfigValidate_GoodConfig_BuildsEverything()
    {
        var result = HostTester.Run("config", "validate", "--config", TestEnvironment.ToyConfig);

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        StringAssert.Contains(result.Stdout, "OK (every component was built)");
    }

    [TestMethod]
    public void ConfigValidate_ReportsEveryProblem_NotJustTheFirst()
    {
        var dir = TestEnvironment.NewTempDir("validate");
        var config = Path.Combine(dir, "bad.toml");
        File.WriteAllText(config, """
            default_scope = "toy"
            model = { type = "ToyModle" }
            train_cfg = { max_epoch = 3 }
            randomnes = 1
            [train_dataloader]
            batch_size = "x"
            dataset = { type = "ToyDataset" }
            [optim_wrapper]
            optimizer = { type = "SGD", lr = 0.1 }
            """);

        var result = HostTester.Run("config", "validate", "--config", config);

        Assert.AreEqual(1, result.ExitCode);
        StringAssert.Contains(result.Stderr, "4 problems:");
        StringAssert.Contains(result.Stderr, "bad.toml(2,11): model.type: 'ToyModle' is not in the model registry");
        StringAssert.Contains(result.Stderr, "bad.toml(3,15): train_cfg.max_epoch: EpochBasedTrainLoop has no option 'max_epoch'.");
        StringAssert.Contains(result.Stderr, "bad.toml(4,1): randomnes: 'randomnes' is not a runner setting.");
        StringAssert.Contains(result.Stderr, "bad.toml(6,1): train_dataloader.batch_size: expected an integer, got the string \"x\".");
        Assert.IsFalse(result.Stderr.Contains("stop_training"), "runtime state must not be offered as a config key");
    }

    [TestMethod]
    public void ConfigValidate_ComponentCheckFailure_IsReported()
    {
        var result = HostTester.Run("config", "validate", "--config", TestEnvironment.ToyConfig, "--cfg-options", "default_hooks.checkpoint.interval=0");

        Assert.AreEqual(1, result.ExitCode);
        StringAssert.Contains(result.Stderr, "CheckpointHook: interval must be a positive integer or -1, got 0.");
    }

    [TestMethod]
    public void CfgOptions_UnknownKey_IsCaughtWithItsOrigin()
    {
        var result = HostTester.Run("config", "validate", "--config", TestEnvironment.ToyConfig, "--cfg-options", "train_cfg.max_epohcs=7");

        Assert.AreEqual(1, result.ExitCode);
        StringAssert.Contains(result.Stderr, "--cfg-options: train_cfg.max_epohcs: EpochBasedTrainLoop has no option 'max_epohcs'.");
    }

    [TestMethod]
    [DataRow("--device", "tpu", "--device: device: 'tpu' is not a device.")]
    [DataRow("--work-dir", "/proc/self", "--work-dir: work_dir: '/proc/self' is a system or shared folder")]
    [DataRow("--fast-dev-run", "0", "--fast-dev-run: N must be at least 1, got 0.")]
    public void CommandLineOptions_AreNamedInTheirErrors_NotCfgOptions(string option, string value, string expected)
    {
        var result = HostTester.Run("train", "--config", TestEnvironment.ToyConfig, option, value);

        Assert.AreEqual(1, result.ExitCode);
        StringAssert.Contains(result.Stderr, "error: " + expected);
    }

    [TestMethod]
    public void UnknownDefaultScope_ListsKnownScopes()
    {
        var result = HostTester.Run("config", "validate", "--config", TestEnvironment.ToyConfig, "--cfg-options", "default_scope=toyy");

        Assert.AreEqual(1, result.ExitCode);
        StringAssert.Contains(result.Stderr, "default_scope: scope 'toyy' is not known (known scopes: digits, runner, toy, vision).");
    }

    [TestMethod]
    public void List_ShowsPluginsAndRegisteredComponents_WithFilters()
    {
        var all = HostTester.Run("list");
        var toyOnly = HostTester.Run("list", "--scope", "toy");
        var hooks = HostTester.Run("list", "--kind", "hook");

        Assert.AreEqual(0, all.ExitCode, all.Stderr);
        StringAssert.Contains(all.Stdout, "Runner.Plugins.Toy 2.0.0  scope: toy  sdk: 2.0.0  registered: 2");
        StringAssert.Matches(all.Stdout, new(@"model\s+ToyModel\s+toy\s+plugin Runner\.Plugins\.Toy"));
        StringAssert.Matches(all.Stdout, new(@"hook\s+CheckpointHook\s+runner\s+Runner\.Sdk"));
        Assert.IsFalse(toyOnly.Stdout.Contains("CheckpointHook"));
        StringAssert.Contains(toyOnly.Stdout, "ToyDataset");
        Assert.IsFalse(hooks.Stdout.Contains("ToyModel"));
        StringAssert.Contains(hooks.Stdout, "LoggerHook");
    }

    [TestMethod]
    public void ConfigDump_IsStoredInCheckpoints_AndReproducesTheRun()
    {
        // Arrange: a one-epoch run leaves its resolved config in work_dir and in the checkpoint.
        var first = TestEnvironment.NewTempDir("dump1");
        Assert.AreEqual(0, HostTester.Run("train", "--config", TestEnvironment.ToyConfig, "--work-dir", first, "--cfg-options", "train_cfg.max_epochs=1").ExitCode);
        var dump = Directory.GetFiles(first, "*.toml").Single();
        using (var checkpoint = CheckpointFile.Load(Path.Combine(first, "epoch_1.ckpt")))
            Assert.AreEqual(File.ReadAllText(dump), checkpoint.Meta["cfg"]);
        var second = TestEnvironment.NewTempDir("dump2");

        // Act: run the dump itself.
        var result = HostTester.Run("train", "--config", dump, "--work-dir", second);

        // Assert
        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        CollectionAssert.AreEqual(RunRecords.Scalars(first, "accuracy/top1"), RunRecords.Scalars(second, "accuracy/top1"));
        Assert.AreEqual(29.98046875, RunRecords.Scalars(second, "accuracy/top1").Single(), 1e-4);
    }

    [TestMethod]
    [DataRow("safetensors", "model.safetensors")]
    [DataRow("pt", "model.pt")]
    public void Export_WritesTheWeights_WhichLoadFromReadsBack(string format, string fileName)
    {
        // Arrange: a one-epoch toy run, whose checkpoint is exported.
        var work = TestEnvironment.NewTempDir("export-" + format);
        Assert.AreEqual(0, HostTester.Run("train", "--config", TestEnvironment.ToyConfig, "--work-dir", work, "--cfg-options", "train_cfg.max_epochs=1").ExitCode);
        var checkpointPath = Path.Combine(work, "epoch_1.ckpt");
        var exported = Path.Combine(work, fileName);

        // Act
        var export = HostTester.Run("export", "--checkpoint", checkpointPath, "--format", format, "--out", exported);

        // Assert: the file holds exactly the model's weights, and a val run from it scores what the run scored.
        Assert.AreEqual(0, export.ExitCode, export.Stderr);
        using (var original = CheckpointFile.Load(checkpointPath))
        using (var copy = format == "pt" ? PyTorchInterop.LoadPickle(exported) : CheckpointFile.Load(exported, weightsOnly: true))
        {
            StringAssert.Contains(export.Stdout, $"Wrote {original.StateDict.Count} tensors");
            CollectionAssert.AreEquivalent(original.StateDict.Keys.ToList(), copy.StateDict.Keys.ToList());
            foreach (var (name, tensor) in original.StateDict)
                Assert.IsTrue(tensor.shape.SequenceEqual(copy.StateDict[name].shape) && tensor.equal(copy.StateDict[name]).all().item<bool>(), name);
        }
        var val = HostTester.Run("val", "--config", TestEnvironment.ToyConfig, "--work-dir", TestEnvironment.NewTempDir("export-val"), "--checkpoint", exported);
        Assert.AreEqual(0, val.ExitCode, val.Stderr);
        StringAssert.Contains(val.Stdout, "accuracy/top1: 29.9805");
    }

    [TestMethod]
    public void Export_WithoutCheckpoint_SaysWhatToPass()
    {
        var result = HostTester.Run("export", "--out", Path.Combine(TestEnvironment.NewTempDir("export-none"), "x.pt"));

        Assert.AreEqual(1, result.ExitCode);
        StringAssert.Contains(result.Stderr, "pass --checkpoint CKPT");
    }

    /// <summary>Each command's help lists the options it takes: no training flags on predict, config or list.</summary>
    [TestMethod]
    public void EachCommandsHelp_ListsOnlyItsOwnOptions()
    {
        string Help(params string[] command) => HostTester.Run([.. command, "--help"]).Stdout;

        foreach (var training in new[] { "--amp", "--resume", "--watch", "--auto-scale-lr" })
        {
            StringAssert.Contains(Help("train"), training);
            foreach (var other in new[] { new[] { "predict" }, ["test"], ["config", "print"], ["config", "validate"], ["list"], ["summary"], ["export"] })
                Assert.IsFalse(Help(other).Contains(training, StringComparison.Ordinal), $"{string.Join(' ', other)} --help lists {training}");
        }
        StringAssert.Contains(Help("predict"), "--out <FILE> (REQUIRED)");
        StringAssert.Contains(Help("test"), "Also write every prediction to FILE");
    }
}
