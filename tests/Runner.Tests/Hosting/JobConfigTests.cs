using Runner.Sdk.Configuration;
using Runner.Sdk.Hosting;

namespace Runner.Tests.Hosting;

/// <summary>What a host reads from a config before any runner exists: decoded by the runner's own code, so the two agree.</summary>
[TestClass]
public sealed class JobConfigTests
{
    [TestMethod]
    public void RequeuesOnSlurmSignal_IsTheDecodedDistCfgSetting()
    {
        Assert.IsTrue(JobConfig.RequeuesOnSlurmSignal(ConfigLoader.Parse("work_dir = \"w\"")));
        Assert.IsTrue(JobConfig.RequeuesOnSlurmSignal(ConfigLoader.Parse("env_cfg = { dist_cfg = { backend = \"mpi\" } }")));
        Assert.IsFalse(JobConfig.RequeuesOnSlurmSignal(ConfigLoader.Parse("env_cfg = { dist_cfg = { requeue = false } }")));

        // A wrong value is the error the runner would give, at its line, not a silent "yes".
        var error = Assert.ThrowsExactly<ConfigException>(() =>
            JobConfig.RequeuesOnSlurmSignal(ConfigLoader.Parse("\nenv_cfg = { dist_cfg = { requeue = \"no\" } }", "job.toml")));
        StringAssert.StartsWith(error.Message, "job.toml(2,");
        StringAssert.Contains(error.Message, "env_cfg.dist_cfg.requeue");
    }

    [TestMethod]
    public void WorkDirAndLoopCounting_AreReadAsTheRunnerReadsThem()
    {
        Assert.AreEqual(Path.GetFullPath("work_dirs/job"), JobConfig.WorkDirOf(ConfigLoader.Parse(""), "configs/job.toml"));
        Assert.AreEqual(Path.GetFullPath("elsewhere"), JobConfig.WorkDirOf(ConfigLoader.Parse("work_dir = \"elsewhere\""), "configs/job.toml"));
        Assert.IsTrue(JobConfig.TrainsByIteration(ConfigLoader.Parse("train_cfg = { by_epoch = false, max_iters = 10 }")));
        Assert.IsFalse(JobConfig.TrainsByIteration(ConfigLoader.Parse("train_cfg = { by_epoch = true, max_epochs = 1 }")));
        Assert.HasCount(2, JobConfig.DataLoaderTablesOf(ConfigLoader.Parse("""
            val_dataloader = { a = { batch_size = 1 }, b = { batch_size = 2 } }
            """), "val_dataloader"));
    }
}
