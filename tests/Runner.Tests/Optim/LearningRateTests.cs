using Runner.Sdk.Configuration;
using Runner.Sdk.Running;
using Runner.Tests.Support;

namespace Runner.Tests.Optim;

/// <summary>The learning rate a run logs: the schedule exactly, and auto_scale_lr.</summary>
[TestClass]
public sealed class LearningRateTests
{
    [TestMethod]
    public void LoggedLr_FollowsTheScheduleExactly()
    {
        // Arrange: warm-up over the first 4 iterations, then x0.1 after epoch 1; logger interval 1.
        var workDir = TestEnvironment.NewTempDir("lr");
        var cfg = ApiJob.Config(workDir);
        cfg.Set("model", new TinyModel(), SourceLocation.Code);
        cfg.Set("param_scheduler", ConfigLoader.Parse("""
            s = [{ type = "LinearLR", start_factor = 0.25, by_epoch = false, begin = 0, end = 4 },
                 { type = "MultiStepLR", milestones = [1], gamma = 0.1 }]
            """)["s"], SourceLocation.Code);
        using var runner = TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = ApiJob.Registries(), Console = null });

        // Act
        runner.Train();

        // Assert
        var logged = RunRecords.Scalars(workDir, "lr");
        double Warm(int k) => 0.1 * (0.25 + 0.75 * k / 3.0);
        double[] expected = [Warm(0), Warm(1), Warm(2), Warm(3), 0.01, 0.01, 0.01, 0.01];
        Assert.HasCount(8, logged);
        for (var i = 0; i < expected.Length; i++) Assert.AreEqual(expected[i], logged[i], 1e-12, $"iteration {i + 1}");
    }

    [TestMethod]
    public void AutoScaleLr_ScalesByBatchSizeOverBase()
    {
        var workDir = TestEnvironment.NewTempDir("autoscale");
        var cfg = ApiJob.Config(workDir);
        cfg.Set("model", new TinyModel(), SourceLocation.Code);
        cfg.Set("auto_scale_lr", ConfigLoader.Parse("base_batch_size = 6\nenable = true"), SourceLocation.Code);
        using var runner = TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = ApiJob.Registries(), Console = null });

        runner.Train();

        Assert.AreEqual(0.05, RunRecords.Scalars(workDir, "lr")[0], 1e-12);
        Assert.IsTrue(RunRecords.LogLines(workDir).Any(l => l.Contains(
            "LR is set based on batch size of 6 and the current batch size is 3. Scaling the original LR by 0.5.")));
    }

    [TestMethod]
    public void AutoScaleLr_WithoutBaseBatchSize_IsAConfigError()
    {
        var cfg = ApiJob.Config(TestEnvironment.NewTempDir("autoscale-bad"));
        cfg.Set("model", new TinyModel(), SourceLocation.Code);
        cfg.Set("auto_scale_lr", ConfigLoader.Parse("enable = true", "api.toml"), SourceLocation.Code);

        var error = Assert.ThrowsExactly<ConfigException>(() => TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = ApiJob.Registries(), Console = null }));

        StringAssert.Contains(error.Message, "AutoScaleLrSettings needs 'base_batch_size', which is missing.");
    }
}
