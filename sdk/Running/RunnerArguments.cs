using Runner.Sdk.Registries;
using Runner.Sdk.Configuration;

namespace Runner.Sdk.Running;

/// <summary>
/// MMEngine's <c>Runner(...)</c> arguments for building a runner from C#. Each may be a ready object (a
/// <c>BaseModel</c>, a <c>DataLoader</c>, a <c>Hook</c>…) or a <see cref="ConfigTable"/>, exactly as in a config file;
/// <see cref="TrainingRunner.Create"/> checks and builds them the same way <see cref="TrainingRunner.FromConfig"/> does.
/// </summary>
public sealed class RunnerArguments
{
    /// <summary><c>model</c>: The model: a <c>BaseModel</c> or its table.</summary>
    public object? Model { get; init; }

    /// <summary><c>work_dir</c>: The folder for logs, records and checkpoints.</summary>
    public string? WorkDir { get; init; }

    /// <summary><c>train_dataloader</c>: The train data: a <c>DataLoader</c> or its table.</summary>
    public object? TrainDataloader { get; init; }

    /// <summary><c>val_dataloader</c>: The val data: a <c>DataLoader</c> or its table.</summary>
    public object? ValDataloader { get; init; }

    /// <summary><c>test_dataloader</c>: The test data: a <c>DataLoader</c> or its table.</summary>
    public object? TestDataloader { get; init; }

    /// <summary><c>train_cfg</c>: The train loop's table (<c>max_epochs</c>, <c>val_interval</c>…).</summary>
    public ConfigTable? TrainCfg { get; init; }

    /// <summary><c>val_cfg</c>: The val loop's table.</summary>
    public ConfigTable? ValCfg { get; init; }

    /// <summary><c>test_cfg</c>: The test loop's table.</summary>
    public ConfigTable? TestCfg { get; init; }

    /// <summary><c>auto_scale_lr</c>: Learning-rate scaling by total batch size.</summary>
    public ConfigTable? AutoScaleLr { get; init; }

    /// <summary><c>optim_wrapper</c>: The optimizer wrapper: an <c>OptimWrapper</c> or its table.</summary>
    public object? OptimWrapper { get; init; }

    /// <summary>A scheduler or table, or a list of them (a <see cref="ConfigArray"/>).</summary>
    public object? ParamScheduler { get; init; }

    /// <summary><c>val_evaluator</c>: The val metrics: an <c>Evaluator</c>, a metric, a table or a list of tables.</summary>
    public object? ValEvaluator { get; init; }

    /// <summary><c>test_evaluator</c>: The test metrics, as <see cref="ValEvaluator"/>.</summary>
    public object? TestEvaluator { get; init; }

    /// <summary><c>default_hooks</c>: Replacements for the default hooks, by name.</summary>
    public ConfigTable? DefaultHooks { get; init; }

    /// <summary>Hooks or hook tables.</summary>
    public IReadOnlyList<object>? CustomHooks { get; init; }

    /// <summary><c>data_preprocessor</c>: The model's data preprocessor (a preprocessor or its table).</summary>
    public object? DataPreprocessor { get; init; }

    /// <summary><c>load_from</c>: Weights to start from.</summary>
    public string? LoadFrom { get; init; }

    /// <summary>False, true (from <c>work_dir/last_checkpoint</c>) or a checkpoint path.</summary>
    public object? Resume { get; init; }

    /// <summary><c>launcher</c>: How the processes were started: <c>none</c>, <c>mpi</c> or <c>slurm</c>.</summary>
    public string? Launcher { get; init; }

    /// <summary><c>env_cfg</c>: The environment: threads, <c>dist_cfg</c>, <c>cudnn_benchmark</c>, <c>libtorch</c>…</summary>
    public ConfigTable? EnvCfg { get; init; }

    /// <summary><c>log_processor</c>: The log processor (a <c>LogProcessor</c> or its table).</summary>
    public object? LogProcessor { get; init; }

    /// <summary><c>log_level</c>: The lowest level logged: <c>DEBUG</c>, <c>INFO</c>, <c>WARNING</c>, <c>ERROR</c>.</summary>
    public string? LogLevel { get; init; }

    /// <summary><c>visualizer</c>: The visualizer's table (its <c>vis_backends</c>).</summary>
    public ConfigTable? Visualizer { get; init; }

    /// <summary><c>default_scope</c>: The scope plain <c>type</c> names are looked up in first.</summary>
    public string? DefaultScope { get; init; }

    /// <summary><c>randomness</c>: Seeding: <c>seed</c>, <c>deterministic</c>, <c>diff_rank_seed</c>.</summary>
    public ConfigTable? Randomness { get; init; }

    /// <summary><c>experiment_name</c>: The run's name (default: the config file's name and the timestamp).</summary>
    public string? ExperimentName { get; init; }

    /// <summary>A config whose keys the other arguments override (MMEngine's <c>cfg</c>).</summary>
    public ConfigTable? Cfg { get; init; }

    /// <summary><c>compile</c>: MMEngine's <c>compile</c>: refused with an explanation when true (TorchSharp has no <c>torch.compile</c>).</summary>
    public bool? Compile { get; init; }

    /// <summary><c>device</c>: Where to train: <c>cpu</c>, <c>cuda</c>, <c>cuda:N</c> or <c>auto</c>.</summary>
    public string? Device { get; init; }

    /// <summary><c>model_wrapper_cfg</c>: The data-parallel wrapper's settings (<c>find_unused_parameters</c>, <c>bucket_cap_mb</c>).</summary>
    public ConfigTable? ModelWrapperCfg { get; init; }

    /// <summary>The arguments as one config table over <see cref="Cfg"/>: each argument that is set under its snake_case name, the config key it stands for.</summary>
    public ConfigTable ToConfig()
    {
        var cfg = Cfg?.Clone() ?? new ConfigTable(SourceLocation.Code);
        foreach (var argument in Arguments)
        {
            var value = argument.GetValue(this);
            if (value is IReadOnlyList<object> items and not ConfigArray)
            {
                var list = new ConfigArray(SourceLocation.Code);
                foreach (var item in items) list.Add(item);
                value = list;
            }
            if (value is not null) cfg.Set(ComponentBuilder.SnakeCase(argument.Name), value, SourceLocation.Code);
        }
        cfg.AssignPaths();
        return cfg;
    }

    /// <summary>The properties that stand for config keys: all but <see cref="Cfg"/>.</summary>
    internal static IReadOnlyList<System.Reflection.PropertyInfo> Arguments { get; } =
        typeof(RunnerArguments).GetProperties().Where(p => p.Name != nameof(Cfg)).ToList();
}
