using Runner.Sdk.Checkpoints;
using Runner.Sdk.Running.Loops;
using Runner.Tests.Support;

namespace Runner.Tests.Running;

/// <summary>The iteration-based loop, and when both loops validate.</summary>
[TestClass]
public sealed class LoopTests
{
    private const string IterToy = "train_cfg={ by_epoch = false, max_iters = 300, val_interval = 100 }";

    [TestMethod]
    public void IterBased_ValidatesAndSavesByIteration_WithIterationLogLines()
    {
        var workDir = TestEnvironment.NewTempDir("iter");

        var result = HostTester.Run("train", "--config", TestEnvironment.ToyConfig, "--work-dir", workDir,
            "--cfg-options", IterToy, "default_hooks.checkpoint.interval=100");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        CollectionAssert.AreEquivalent(new[] { "iter_100.ckpt", "iter_200.ckpt", "iter_300.ckpt" },
            Directory.GetFiles(workDir, "*.ckpt").Select(Path.GetFileName).ToArray());
        Assert.HasCount(3, RunRecords.Scalars(workDir, "accuracy/top1"));
        StringAssert.Contains(result.Stdout, "Iter(train) [ 50/300]  lr: 1.0000e-02  eta: ");
        StringAssert.Contains(result.Stdout, "Iter(val) [32/32]    accuracy/top1: ");
        StringAssert.Contains(result.Stdout, "Reached the end of the dataloader");
        using var checkpoint = CheckpointFile.Load(Path.Combine(workDir, "iter_200.ckpt"));
        Assert.AreEqual(0L, checkpoint.Meta["epoch"]);
        Assert.AreEqual(200L, checkpoint.Meta["iter"]);
    }

    [TestMethod]
    public void IterBased_ResumeInTheMiddleOfAPass_GivesIdenticalWeights()
    {
        // Iteration 200 is batch 72 of the second pass over the 128-batch dataloader.
        var straight = TestEnvironment.NewTempDir("iter-straight");
        Assert.AreEqual(0, HostTester.Run("train", "--config", TestEnvironment.ToyConfig, "--work-dir", straight,
            "--cfg-options", IterToy, "default_hooks.checkpoint.interval=100").ExitCode);
        var resumed = TestEnvironment.NewTempDir("iter-resumed");

        var result = HostTester.Run("train", "--config", TestEnvironment.ToyConfig, "--work-dir", resumed,
            "--cfg-options", IterToy, "default_hooks.checkpoint.interval=100", "--resume", Path.Combine(straight, "iter_200.ckpt"));

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        StringAssert.Contains(result.Stdout, "Advance the data to iteration 200 (pass 1, batch 72) without loading the skipped batches.");
        CheckpointAssert.SameWeights(Path.Combine(straight, "iter_300.ckpt"), Path.Combine(resumed, "iter_300.ckpt"));
    }

    [TestMethod]
    public void ResumeMidEpoch_ContinuesAtTheNextBatch_WithIdenticalWeights()
    {
        // An epoch-based run that also checkpoints every 100 iterations: iteration 200 is batch 72 of epoch 2.
        var straight = TestEnvironment.NewTempDir("mid-straight");
        Assert.AreEqual(0, HostTester.Run("train", "--config", TestEnvironment.ToyConfig, "--work-dir", straight,
            "--cfg-options", "default_hooks.checkpoint={ by_epoch = false, interval = 100 }").ExitCode);
        var resumed = TestEnvironment.NewTempDir("mid-resumed");

        var result = HostTester.Run("train", "--config", TestEnvironment.ToyConfig, "--work-dir", resumed,
            "--cfg-options", "default_hooks.checkpoint={ by_epoch = false, interval = 100 }", "--resume", Path.Combine(straight, "iter_200.ckpt"));

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        StringAssert.Contains(result.Stdout, "resumed epoch: 1, iter: 200");
        CheckpointAssert.SameWeights(Path.Combine(straight, "iter_384.ckpt"), Path.Combine(resumed, "iter_384.ckpt"));
    }

    private static List<int> Validated(int valInterval, int[][] dynamicIntervals, int total)
    {
        var schedule = new ValIntervalSchedule(valBegin: 1, valInterval: valInterval, dynamicIntervals: dynamicIntervals);
        var validated = new List<int>();
        for (var done = 1; done <= total; done++)
        {
            schedule.Update(done);
            if (schedule.ShouldValidate(done, total)) validated.Add(done);
        }
        return validated;
    }

    [TestMethod]
    public void DynamicIntervals_SwitchAsMmengineDoes_ForTheNextEpochOrIteration()
    {
        // MMEngine's _decide_current_val_interval bisects the milestones with epoch + 1 (or iter + 1): the values
        // are what MMEngine 0.11 validates at.
        CollectionAssert.AreEqual(new[] { 6, 8, 10, 12 }, Validated(5, [[6, 2]], 12));
        CollectionAssert.AreEqual(new[] { 3, 4 }, Validated(1, [[2, 3]], 4));
    }

    [TestMethod]
    public void DynamicIntervals_InAnIterationBasedRun_ValidateAtMmenginesIterations()
    {
        var workDir = TestEnvironment.NewTempDir("dynamic");

        var result = HostTester.Run("train", "--config", TestEnvironment.ToyConfig, "--work-dir", workDir, "--cfg-options",
            "train_cfg={ by_epoch = false, max_iters = 12, val_interval = 5, dynamic_intervals = [[6, 2]] }", "default_hooks.checkpoint.interval=100",
            "param_scheduler=[]");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        CollectionAssert.AreEqual(new[] { 6, 8, 10, 12 }, RunRecords.Steps(workDir, "accuracy/top1"));
    }

    [TestMethod]
    public void ValBegin_SkipsEarlyValidations_InARealRun()
    {
        var workDir = TestEnvironment.NewTempDir("valbegin");

        var result = HostTester.Run("train", "--config", TestEnvironment.ToyConfig, "--work-dir", workDir,
            "--cfg-options", "train_cfg.val_begin=3");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        Assert.HasCount(1, RunRecords.Scalars(workDir, "accuracy/top1"));
        StringAssert.Contains(result.Stdout, "Epoch(val) [3][32/32]");
    }

    [TestMethod]
    public void DynamicIntervals_BadPairs_AreRejected()
    {
        var error = Assert.ThrowsExactly<ArgumentException>(() => new ValIntervalSchedule(1, 1, [[2, 0]]));

        StringAssert.Contains(error.Message, "dynamic_intervals must be [milestone, interval] pairs");
    }

    [TestMethod]
    public void SeveralValidationSets_AreEachEvaluated_AndLoggedUnderTheirNames()
    {
        var workDir = TestEnvironment.NewTempDir("sets");
        const string sets = "val_dataloader={ " +
            "clean = { batch_size = 32, dataset = { type = \"ToyDataset\", split = \"val\" } }, " +
            "held_out = { batch_size = 64, dataset = { type = \"ToyDataset\", split = \"test\" } } }";

        var result = HostTester.Run("train", "--config", TestEnvironment.ToyConfig, "--work-dir", workDir, "--cfg-options", sets);

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        var clean = RunRecords.Scalars(workDir, "clean/accuracy/top1");
        var heldOut = RunRecords.Scalars(workDir, "held_out/accuracy/top1");
        Assert.HasCount(3, clean);
        Assert.HasCount(3, heldOut);
        Assert.AreEqual(29.98046875, clean[0], 1e-4, "the first set is the usual val set");
        StringAssert.Matches(result.Stdout, new(@"Epoch\(val\) \[1\]\[16/16\]    clean/accuracy/top1: 29\.9805  held_out/accuracy/top1: \d+\.\d{4}  data_time"));
    }

    [TestMethod]
    public void SeveralValidationSets_AreValidatedLikeOne()
    {
        const string sets = "val_dataloader={ clean = { batch_size = 32, dataset = { type = \"ToyDatset\" } } }";

        var result = HostTester.Run("config", "validate", "--config", TestEnvironment.ToyConfig, "--cfg-options", sets);

        Assert.AreEqual(1, result.ExitCode);
        StringAssert.Contains(result.Stderr, "val_dataloader.clean.dataset.type: 'ToyDatset' is not in the dataset registry");
    }
}
