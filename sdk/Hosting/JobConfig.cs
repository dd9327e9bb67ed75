using Runner.Sdk.Configuration;
using Runner.Sdk.Registries;
using Runner.Sdk.Running;

namespace Runner.Sdk.Hosting;

/// <summary>
/// What a host reads from a job's config before any runner is built: where its work dir is, whether it is sound,
/// how its train loop counts, and its dataloader tables (which runner-host adjusts for <c>--fast-dev-run</c>).
/// </summary>
public static class JobConfig
{
    /// <summary>The work dir a config names: <c>work_dir</c>, or <c>work_dirs/&lt;config file name&gt;</c>; an empty or unusable name is an error at its line.</summary>
    public static string WorkDirOf(ConfigTable cfg, string? configPath) => RunnerSettings.WorkDirOf(cfg, configPath);

    /// <summary>The scope a config's plain type names are looked up in first: <c>default_scope</c>, or the root scope.</summary>
    public static string DefaultScopeOf(ConfigTable cfg) => RunnerSettings.DefaultScopeOf(cfg);

    /// <summary>Every problem of a config (type names, keys, values, consistency), without building anything.</summary>
    public static IReadOnlyList<RunnerException> FindProblems(ConfigTable cfg, RegistryRoot registries, string defaultScope) =>
        ConfigValidator.FindProblems(cfg, registries, defaultScope);

    /// <summary>
    /// Whether the config's train loop counts iterations (<c>train_cfg.by_epoch = false</c>, or
    /// <c>type = "IterBasedTrainLoop"</c>), as <see cref="TrainingRunner.TrainsByIteration"/> says once it is built.
    /// </summary>
    public static bool TrainsByIteration(ConfigTable cfg) => TrainLoopPart.CountsIterations(cfg);

    /// <summary>
    /// Whether a Slurm job of this config answers SIGUSR1 by saving and requeuing, and resumes when requeued:
    /// <c>env_cfg.dist_cfg.requeue</c> (default true), decoded as the runner decodes it.
    /// </summary>
    /// <exception cref="ConfigException"><c>env_cfg</c> holds a wrong value (named at its line).</exception>
    public static bool RequeuesOnSlurmSignal(ConfigTable cfg) => RunnerSettings.EnvOf(cfg).RequeuesOnSlurmSignal;

    /// <summary>
    /// The dataloader tables of <paramref name="cfg"/>'s <paramref name="key"/> (<c>train_dataloader</c>…): one, or for
    /// val and test several named sets; empty when the key is absent.
    /// </summary>
    public static IReadOnlyList<ConfigTable> DataLoaderTablesOf(ConfigTable cfg, string key) =>
        DataLoaderPart.Tables(cfg, key)?.Select(set => set.Table).ToList() ?? [];
}
