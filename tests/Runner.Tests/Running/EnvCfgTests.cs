using Runner.Sdk.Configuration;
using Runner.Sdk.Running;
using Runner.Tests.Support;

namespace Runner.Tests.Running;

/// <summary>env_cfg: what it changes, and what it notes has no effect.</summary>
[TestClass]
public sealed class EnvCfgTests
{
    [TestMethod]
    public void EnvCfg_ResourceLimit_RaisesTheOpenFileLimit_AndNotesOptionsWithoutEffect()
    {
        var workDir = TestEnvironment.NewTempDir("env");
        var cfg = ApiJob.Config(workDir);
        cfg.Set("model", new TinyModel(), SourceLocation.Code);
        cfg.Set("env_cfg", ConfigLoader.Parse("resource_limit = 1024\nmp_cfg = { mp_start_method = \"fork\" }\ndist_cfg = { backend = \"nccl\" }"), SourceLocation.Code);

        using (TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = ApiJob.Registries(), Console = null })) { }

        var log = string.Join("\n", RunRecords.LogLines(workDir));
        StringAssert.Matches(log, new(@"Open-file limit \(RLIMIT_NOFILE\) is now \d+\."));
        StringAssert.Contains(log, "env_cfg.mp_cfg has no effect: data loader workers are threads here");
        StringAssert.Contains(log, "env_cfg.dist_cfg.backend = \"nccl\" is not available: the ranks talk through Open MPI");
    }
}
