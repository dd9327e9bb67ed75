using Runner.Sdk.Configuration;
using Runner.Sdk.Running;
using Runner.Tests.Support;

namespace Runner.Tests.Running;

/// <summary>MMEngine's consistency rules between a config's parts.</summary>
[TestClass]
public sealed class ConfigConsistencyTests
{
    [TestMethod]
    public void InconsistentTriples_AndSchedulerWithoutOptimizer_AreConfigErrors()
    {
        var cfg = ApiJob.Config(TestEnvironment.NewTempDir("triples"));
        cfg.Set("model", new TinyModel(), SourceLocation.Code);
        cfg.Remove("optim_wrapper");
        cfg.Remove("val_evaluator");
        cfg.Set("param_scheduler", ConfigLoader.Parse("type = \"StepLR\"\nstep_size = 1"), SourceLocation.Code);

        var error = Assert.ThrowsExactly<ConfigException>(() => TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = ApiJob.Registries(), Console = null }));

        StringAssert.Contains(error.Message, "3 problems in the config:");
        StringAssert.Contains(error.Message, "train_dataloader, train_cfg and optim_wrapper go together: the config sets train_dataloader and train_cfg but not optim_wrapper.");
        StringAssert.Contains(error.Message, "val_dataloader, val_cfg and val_evaluator go together: the config sets val_dataloader and val_cfg but not val_evaluator.");
        StringAssert.Contains(error.Message, "param_scheduler: param_scheduler needs an optim_wrapper.");
    }
}
