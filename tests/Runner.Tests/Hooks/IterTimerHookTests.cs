using Runner.Sdk.Configuration;
using Runner.Sdk.Data;
using Runner.Sdk.Hooks;
using Runner.Sdk.Running;
using Runner.Tests.Support;

namespace Runner.Tests.Hooks;

[TestClass]
public sealed class IterTimerHookTests
{
    /// <summary>Sleeps after each validation, and records the eta at the first iteration of each epoch.</summary>
    private sealed class SlowValidation : Hook
    {
        public List<double> EtaAtEpochStart { get; } = [];

        public override void AfterValEpoch(TrainingRunner runner, IReadOnlyDictionary<string, double>? metrics) => Thread.Sleep(150);

        public override void AfterTrainIter(TrainingRunner runner, int batchIdx, DataBatch dataBatch, IReadOnlyDictionary<string, double> outputs)
        {
            if (batchIdx == 0) EtaAtEpochStart.Add(runner.MessageHub.GetInfo<double>("eta"));
        }
    }

    [TestMethod]
    public void TrainingEta_CountsTheTimeSpentValidating()
    {
        var cfg = TinyJob.Config(TestEnvironment.NewTempDir("eta"), """
            model = { type = "TinyModel" }
            train_cfg = { by_epoch = true, max_epochs = 4 }
            val_cfg = {}
            val_evaluator = { type = "Accuracy" }
            optim_wrapper = { optimizer = { type = "SGD", lr = 0.1 } }
            """);
        var slow = new SlowValidation();
        var hooks = new ConfigArray { slow };
        cfg.Set("custom_hooks", hooks, SourceLocation.Code);
        using var runner = TinyJob.Build(cfg);

        runner.Train();

        // At the start of epoch 3, 2 validations (300 ms) have passed over 9 iterations; 7 iterations are left, so an
        // eta that counts them is at least 7/9 × 0.3 s. One that counted iterations alone would be a few milliseconds.
        Assert.IsGreaterThan(0.2, slow.EtaAtEpochStart[2], $"eta at epoch 3: {slow.EtaAtEpochStart[2]} s");
    }
}
