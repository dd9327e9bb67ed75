using Runner.Sdk;
using Runner.Sdk.Checkpoints;
using Runner.Sdk.Configuration;
using Runner.Sdk.Running;
using Runner.Tests.Support;
using static TorchSharp.torch;

namespace Runner.Tests.Hooks;

/// <summary>EMAHook, EarlyStoppingHook, the CPU-only note of EmptyCacheHook, and non-finite losses.</summary>
[TestClass]
public sealed class BuiltinHookTests
{
    private static (TrainingRunner Runner, string WorkDir) Build(string extra, object? model = null)
    {
        var workDir = TestEnvironment.NewTempDir("builtin-hooks");
        var cfg = TinyJob.Config(workDir, $$"""
            randomness = { seed = 4 }
            model = { type = "TinyModel" }
            train_cfg = { max_epochs = 6 }
            val_cfg = {}
            val_evaluator = { type = "Accuracy" }
            {{extra}}
            """);
        if (model is not null) cfg.Set("model", model, SourceLocation.Code);
        return (TinyJob.Build(cfg), workDir);
    }

    [TestMethod]
    public void EMAHook_ValidatesWithTheAverage_AndCheckpointsBothWeights()
    {
        var (runner, workDir) = Build("""
            optim_wrapper = { optimizer = { type = "SGD", lr = 0.5 } }
            custom_hooks = [{ type = "EMAHook", momentum = 0.5 }]
            """);
        using var _ = runner;

        runner.Train();

        using var checkpoint = CheckpointFile.Load(Path.Combine(workDir, "epoch_6.ckpt"));
        var averaged = checkpoint.StateDict["fc.weight"].data<float>().ToArray();
        var trained = checkpoint.Tensors["ema/fc.weight"].data<float>().ToArray();
        var model = runner.Model.state_dict()["fc.weight"].data<float>().ToArray();
        CollectionAssert.AreEqual(trained, model, "after validation the model has its trained weights back");
        CollectionAssert.AreNotEqual(trained, averaged, "the checkpoint's model weights are the average");
        Assert.AreEqual(24L, checkpoint.State["ema_steps"]);
    }

    [TestMethod]
    public void EarlyStoppingHook_StopsAfterPatienceWithoutImprovement()
    {
        var (runner, workDir) = Build("""
            optim_wrapper = { optimizer = { type = "SGD", lr = 0.1 } }
            custom_hooks = [{ type = "EarlyStoppingHook", monitor = "accuracy/top1", min_delta = 1000.0, patience = 2 }]
            """);
        using var _ = runner;

        runner.Train();

        // validation 1 sets the best; 2 and 3 do not improve by 1000: stop after epoch 3 of 6
        Assert.AreEqual(3, runner.Epoch);
        Assert.IsTrue(RunRecords.LogLines(workDir).Any(l => l.Contains("Early stopping: accuracy/top1 has not improved", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void EarlyStoppingHook_UnknownRule_IsRejected() =>
        Assert.ThrowsExactly<RunnerException>(() => new Runner.Sdk.Hooks.EarlyStoppingHook("f1_weird"));

    [TestMethod]
    public void CpuOnlyHooks_SayTheyDoNothing()
    {
        var (runner, workDir) = Build("""
            optim_wrapper = { optimizer = { type = "SGD", lr = 0.1 } }
            custom_hooks = [{ type = "EmptyCacheHook" }, { type = "SyncBuffersHook" }]
            """);
        using var _ = runner;

        runner.Train();

        var log = string.Join("\n", RunRecords.LogLines(workDir));
        StringAssert.Contains(log, "EmptyCacheHook has no effect: the run is on the CPU");
        Assert.IsFalse(log.Contains("SyncBuffersHook", StringComparison.Ordinal) && log.Contains("WARNING - SyncBuffersHook", StringComparison.Ordinal),
            "in one process the buffers are already in sync, as in MMEngine: nothing to say");
    }

    [TestMethod]
    public void NonfiniteLoss_StopsNamingTheIterationAndTheTerms_WithTheWeightsIntact()
    {
        var (runner, workDir) = Build("optim_wrapper = { optimizer = { type = \"SGD\", lr = 0.1 } }", new MisbehavingModel { NanFrom = 3 });
        using var _ = runner;

        var error = Assert.ThrowsExactly<RunnerException>(runner.Train);

        StringAssert.Contains(error.Message, "Training stopped at epoch 0, iteration 3: The loss is not finite (loss = NaN).");
        StringAssert.Contains(error.Message, "Last good checkpoint: " + Path.Combine(workDir, "interrupted_iter_3.ckpt"));
        Assert.IsTrue(runner.Model.parameters().All(p => isfinite(p).all().item<bool>()), "no step was taken with the NaN loss");
    }

    [TestMethod]
    public void NonfiniteLoss_CanBeSkipped_AndIsCounted()
    {
        var (runner, workDir) = Build("optim_wrapper = { optimizer = { type = \"SGD\", lr = 0.1 }, skip_nonfinite_loss = true }\ndefault_hooks = { logger = { interval = 1 } }",
            new MisbehavingModel { NanFrom = 20 });
        using var _ = runner;

        runner.Train();

        Assert.AreEqual(4, runner.OptimWrapper!.NonfiniteSkipped, "iterations 21 to 24");
        Assert.AreEqual(4.0, RunRecords.Scalars(workDir, "nonfinite_skipped").Last());
        Assert.IsTrue(runner.Model.parameters().All(p => isfinite(p).all().item<bool>()));
    }
}
