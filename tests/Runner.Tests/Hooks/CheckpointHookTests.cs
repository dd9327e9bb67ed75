using Runner.Sdk;
using Runner.Sdk.Checkpoints;
using Runner.Sdk.Hooks;
using Runner.Sdk.Running;
using Runner.Tests.Support;

namespace Runner.Tests.Hooks;

/// <summary>CheckpointHook's options on a 6-epoch run of 4 iterations per epoch.</summary>
[TestClass]
public sealed class CheckpointHookTests
{
    private static (TrainingRunner Runner, string WorkDir) Run(string checkpoint)
    {
        var workDir = TestEnvironment.NewTempDir("ckpt-hook");
        var cfg = TinyJob.Config(workDir, $$"""
            randomness = { seed = 2 }
            model = { type = "TinyModel" }
            train_cfg = { max_epochs = 6 }
            val_cfg = {}
            val_evaluator = { type = "Accuracy" }
            optim_wrapper = { optimizer = { type = "SGD", lr = 0.5 } }
            default_hooks = { checkpoint = {{checkpoint}} }
            """);
        var runner = TinyJob.Build(cfg);
        runner.Train();
        return (runner, workDir);
    }

    private static string[] Files(string dir) => Directory.GetFiles(dir, "*.ckpt").Select(Path.GetFileName).Order().ToArray()!;

    [TestMethod]
    public void ACheckpoint_HoldsTheConfigAsItIsWhenSaved()
    {
        var (runner, workDir) = Run("{ interval = 3 }");
        using var _ = runner;

        runner.Cfg.Set("note", "changed after training", null);
        var later = Path.Combine(workDir, "later.ckpt");
        runner.SaveCheckpoint(later);

        using var atEpoch6 = CheckpointFile.Load(Path.Combine(workDir, "epoch_6.ckpt"));
        using var afterChange = CheckpointFile.Load(later);
        Assert.DoesNotContain("changed after training", (string)atEpoch6.Meta["cfg"]);
        StringAssert.Contains((string)afterChange.Meta["cfg"], "note = \"changed after training\"");
        Assert.AreEqual("epoch_6.ckpt", File.ReadAllText(Path.Combine(workDir, "last_checkpoint")), "relative to the work dir, so a copied work dir resumes from its own files");
    }

    [TestMethod]
    public void IntervalAndSaveBegin_SaveThoseEpochsAndTheLast()
    {
        var (runner, workDir) = Run("{ interval = 2, save_begin = 3 }");
        using var _ = runner;

        // epochs counted from save_begin: 3 and 5, then the last (6) through save_last
        CollectionAssert.AreEqual(new[] { "epoch_3.ckpt", "epoch_5.ckpt", "epoch_6.ckpt" }, Files(workDir));
    }

    [TestMethod]
    public void SaveLastFalse_IntervalMinusOne_SavesNothing()
    {
        var (runner, workDir) = Run("{ interval = -1, save_last = false }");
        using var _ = runner;

        Assert.IsEmpty(Files(workDir));
        Assert.IsFalse(File.Exists(Path.Combine(workDir, "last_checkpoint")));
    }

    [TestMethod]
    public void MaxKeepCkpts_DeletesTheOldest()
    {
        var (runner, workDir) = Run("{ interval = 1, max_keep_ckpts = 2 }");
        using var _ = runner;

        CollectionAssert.AreEqual(new[] { "epoch_5.ckpt", "epoch_6.ckpt" }, Files(workDir));
    }

    [TestMethod]
    public void OutDirAndFilenameTmpl_NameTheFiles()
    {
        var outDir = TestEnvironment.NewTempDir("out");
        var (runner, workDir) = Run($"{{ interval = 3, out_dir = \"{outDir}\", filename_tmpl = \"model_{{}}.ckpt\" }}");
        using var _ = runner;

        var saved = Path.Combine(outDir, Path.GetFileName(workDir));
        CollectionAssert.AreEqual(new[] { "model_3.ckpt", "model_6.ckpt" }, Files(saved));
        Assert.AreEqual(Path.Combine(saved, "model_6.ckpt"), Path.GetFullPath(Path.Combine(workDir, File.ReadAllText(Path.Combine(workDir, "last_checkpoint")))));
    }

    [TestMethod]
    public void SaveOptimizerFalse_LeavesTheOptimizerOut()
    {
        var (runner, workDir) = Run("{ interval = 6, save_optimizer = false, save_param_scheduler = false }");
        using var _ = runner;

        using var checkpoint = CheckpointFile.Load(Path.Combine(workDir, "epoch_6.ckpt"));
        Assert.IsFalse(checkpoint.Tensors.ContainsKey("optimizer"));
        Assert.IsTrue(checkpoint.StateDict.ContainsKey("fc.weight"));
    }

    [TestMethod]
    public void SaveBestAuto_KeepsOneBestFile_WithTheBestScore_AndItIsResumable()
    {
        var (runner, workDir) = Run("{ interval = -1, save_last = false, save_best = \"auto\" }");
        using var _ = runner;

        var best = Files(workDir).Single();
        StringAssert.StartsWith(best, "best_accuracy_top1_epoch_");
        var accuracies = RunRecords.Scalars(workDir, "accuracy/top1");
        var bestEpoch = accuracies.IndexOf(accuracies.Max()) + 1;
        Assert.AreEqual($"best_accuracy_top1_epoch_{bestEpoch}.ckpt", best, "the first epoch reaching the best score (strictly better only)");
        using var checkpoint = CheckpointFile.Load(Path.Combine(workDir, best));
        Assert.AreEqual((long)bestEpoch, checkpoint.Meta["epoch"]);
        Assert.IsTrue(checkpoint.Tensors.ContainsKey("optimizer"), "best checkpoints keep the optimizer, so they can be resumed");
        Assert.AreEqual(accuracies.Max(), (double)runner.MessageHub.RuntimeInfo["best_score_accuracy/top1"]!, 1e-12);
    }

    [TestMethod]
    public void RuleInference_ExactThenPartial_AndErrors()
    {
        var hook = new CheckpointHook(saveBest: new[] { "accuracy/top1", "val_loss", "mIoU" });

        Assert.AreEqual("greater", hook.RuleFor("accuracy/top1", 0));
        Assert.AreEqual("less", hook.RuleFor("val_loss", 1));
        Assert.AreEqual("greater", hook.RuleFor("mIoU", 2));
        Assert.ThrowsExactly<RunnerException>(() => hook.RuleFor("f1_weird", 0));
        var error = Assert.ThrowsExactly<ArgumentException>(() => new CheckpointHook(saveBest: new[] { "a", "b" }, rule: new[] { "greater", "less", "less" }));
        StringAssert.Contains(error.Message, "Number of \"rule\" must be 1 or the same as number of \"save_best\" (2), got 3.");
        Assert.ThrowsExactly<ArgumentException>(() => new CheckpointHook(saveBest: ["a"], rule: ["bigger"]));
        Assert.ThrowsExactly<ArgumentException>(() => new CheckpointHook(saveBest: ["auto", "auto"]));
        var custom = new CheckpointHook(saveBest: new[] { "f1", "wer" }, greaterKeys: ["f1"], lessKeys: ["wer"]);
        Assert.AreEqual("greater", custom.RuleFor("f1", 0));
        Assert.AreEqual("less", custom.RuleFor("wer", 1));
    }

    [TestMethod]
    public void ByEpochFalse_SavesEveryIntervalIterations()
    {
        var (runner, workDir) = Run("{ by_epoch = false, interval = 10 }");
        using var _ = runner;

        // 6 epochs of 4 iterations: 10, 20, and the last (24) through save_last
        CollectionAssert.AreEqual(new[] { "iter_10.ckpt", "iter_20.ckpt", "iter_24.ckpt" }, Files(workDir));
        using var checkpoint = CheckpointFile.Load(Path.Combine(workDir, "iter_20.ckpt"));
        Assert.AreEqual(20L, checkpoint.Meta["iter"]);
    }

    [TestMethod]
    public void InvalidOptions_AreRejectedAtConstruction()
    {
        Assert.ThrowsExactly<ArgumentException>(() => new CheckpointHook(interval: 0));
        Assert.ThrowsExactly<ArgumentException>(() => new CheckpointHook(saveBegin: -1));
        Assert.ThrowsExactly<ArgumentException>(() => new CheckpointHook(maxKeepCkpts: 0));
        Assert.ThrowsExactly<ArgumentException>(() => new CheckpointHook(filenameTmpl: "no_placeholder.ckpt"));
        Assert.ThrowsExactly<ArgumentException>(() => new CheckpointHook(publishedKeys: Array.Empty<string>()));
    }

    [TestMethod]
    public void PublishedKeys_PublishTheLastCheckpoint_WithOnlyThoseSections_NamedByItsHash()
    {
        var (runner, workDir) = Run("{ interval = 6, published_keys = [\"meta\", \"state_dict\"] }");
        using var _ = runner;

        var published = Files(workDir).Single(f => f.StartsWith("epoch_6-", StringComparison.Ordinal));
        var path = Path.Combine(workDir, published);
        using (var stream = File.OpenRead(path))
            Assert.AreEqual($"epoch_6-{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream))[..8]}.ckpt", published);
        using var copy = CheckpointFile.Load(path);
        using var full = CheckpointFile.Load(Path.Combine(workDir, "epoch_6.ckpt"));
        Assert.AreEqual(6L, copy.Meta["epoch"]);
        Assert.IsEmpty(copy.Tensors, "no optimizer, no RNG state");
        Assert.IsEmpty(copy.State, "no message hub, no scheduler state");
        Assert.IsTrue(full.Tensors.ContainsKey("optimizer"));
        CollectionAssert.AreEqual(full.StateDict["fc.weight"].data<float>().ToArray(), copy.StateDict["fc.weight"].data<float>().ToArray());
        Assert.IsTrue(RunRecords.LogLines(workDir).Any(l => l.Contains("Sections message_hub, optimizer, rng are left out", StringComparison.Ordinal)));
        Assert.IsEmpty(Directory.GetFiles(workDir, ".*").Where(f => !f.EndsWith(".runner.lock", StringComparison.Ordinal)), "no staging file is left behind");
    }
}
