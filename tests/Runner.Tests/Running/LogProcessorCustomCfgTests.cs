using Runner.Sdk.Configuration;
using Runner.Sdk.Running;
using Runner.Tests.Support;

namespace Runner.Tests.Running;

/// <summary>log_processor.custom_cfg: the configured statistics.</summary>
[TestClass]
public sealed class LogProcessorCustomCfgTests
{
    [TestMethod]
    public void LogProcessorCustomCfg_AddsTheConfiguredStatistics_AndRejectsDuplicates()
    {
        var workDir = TestEnvironment.NewTempDir("custom-cfg");
        var cfg = ApiJob.Config(workDir);
        cfg.Set("model", new TinyModel(), SourceLocation.Code);
        cfg.Set("log_processor", ConfigLoader.Parse("""
            custom_cfg = [{ data_src = "loss", log_name = "loss_global", window_size = "global" },
                          { data_src = "loss", log_name = "loss_max", method_name = "max", window_size = 2 }]
            """), SourceLocation.Code);
        using var runner = TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = ApiJob.Registries(), Console = null });

        runner.Train();

        var losses = RunRecords.Scalars(workDir, "loss");
        var global = RunRecords.Scalars(workDir, "loss_global");
        var max = RunRecords.Scalars(workDir, "loss_max");
        var raw = runner.MessageHub.GetScalar("train/loss")!;
        Assert.AreEqual(raw.GlobalSum / raw.GlobalCount, global[^1], 1e-9, "the mean since training began");
        Assert.AreEqual(raw.Max(2), max[^1], 1e-12);
        Assert.HasCount(losses.Count, global);
        var error = Assert.ThrowsExactly<ArgumentException>(() => new LogProcessor(customCfg:
            [new CustomLogSetting("loss"), new CustomLogSetting("loss")]));
        StringAssert.Contains(error.Message, "custom_cfg defines 'loss' twice");
        Assert.ThrowsExactly<ArgumentException>(() => new LogProcessor(byEpoch: false,
            customCfg: [new CustomLogSetting("loss", windowSize: "epoch")]));
    }
}
