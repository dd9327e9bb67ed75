namespace Runner.Sdk.Running;

using global::Runner.Sdk.Configuration;

/// <summary>
/// MMEngine's <c>Runner(...)</c> arguments for building a runner from C#. Each may be a ready object (a
/// <c>BaseModel</c>, a <c>DataLoader</c>, a <c>Hook</c>…) or a <see cref="ConfigTable"/>, exactly as in a config file;
/// <see cref="TrainingRunner.Create"/> checks and builds them the same way <see cref="TrainingRunner.FromConfig"/> does.
/// </summary>
public sealed class RunnerArguments
{
    /// <c>model</c>: The model: a <c>BaseModel</c> or its table.
    public object? Model { get; init; }

    /// <c>work_dir</c>: The folder for logs, records and checkpoints.
    public string? WorkDir { get; init; }

    /// <c>train_dataloader</c>: The train data: a <c>DataLoader</c> or its table.
    public object? TrainDataloader { get; init; }

    /// <c>val_dataloader</c>: The val data: a <c>DataLoader</c> or its table.
    public object? ValDataloader { get; init; }

    /// <c>test_dataloader</c>: The test data: a <c>DataLoader</c> or its table.
    public object? TestDataloader { get; init; }

    /// <c>train_cfg</c>: The train loop's table (<c>max_epochs</c>, <c>val_interval</c>…).
    public ConfigTable? TrainCfg { get; init; }

    /// <c>val_cfg</c>: The val loop's table.
    public ConfigTable? ValCfg { get; init; }

    /// <c>test_cfg</c>: The test loop's table.
    public ConfigTable? TestCfg { get; init; }

    /// <c>auto_scale_lr</c>: Learning-rate scaling by total batch size.
    public ConfigTable? AutoScaleLr { get; init; }

    /// <c>optim_wrapper</c>: The optimizer wrapper: an <c>OptimWrapper</c> or its table.
    public object? OptimWrapper { get; init; }

    /// <summary>A scheduler or table, or a list of them (a <see cref="ConfigArray"/>).</summary>
    public object? ParamScheduler { get; init; }

    /// <c>val_evaluator</c>: The val metrics: an <c>Evaluator</c>, a metric, a table or a list of tables.
    public object? ValEvaluator { get; init; }

    /// <c>test_evaluator</c>: The test metrics, as <see cref="ValEvaluator"/>.
    public object? TestEvaluator { get; init; }

    /// <c>default_hooks</c>: Replacements for the default hooks, by name.
    public ConfigTable? DefaultHooks { get; init; }

    /// <summary>Hooks or hook tables.</summary>
    public IReadOnlyList<object>? CustomHooks { get; init; }

    /// <c>data_preprocessor</c>: The model's data preprocessor (a preprocessor or its table).
    public object? DataPreprocessor { get; init; }

    /// <c>load_from</c>: Weights to start from.
    public string? LoadFrom { get; init; }

    /// <summary>False, true (from <c>work_dir/last_checkpoint</c>) or a checkpoint path.</summary>
    public object? Resume { get; init; }

    /// <c>launcher</c>: How the processes were started: <c>none</c>, <c>mpi</c> or <c>slurm</c>.
    public string? Launcher { get; init; }

    /// <c>env_cfg</c>: The environment: threads, <c>dist_cfg</c>, <c>cudnn_benchmark</c>, <c>libtorch</c>…
    public ConfigTable? EnvCfg { get; init; }

    /// <c>log_processor</c>: The log processor (a <c>LogProcessor</c> or its table).
    public object? LogProcessor { get; init; }

    /// <c>log_level</c>: The lowest level logged: <c>DEBUG</c>, <c>INFO</c>, <c>WARNING</c>, <c>ERROR</c>.
    public string? LogLevel { get; init; }

    /// <c>visualizer</c>: The visualizer's table (its <c>vis_backends</c>).
    public ConfigTable? Visualizer { get; init; }

    /// <c>default_scope</c>: The scope plain <c>type</c> names are looked up in first.
    public string? DefaultScope { get; init; }

    /// <c>randomness</c>: Seeding: <c>seed</c>, <c>deterministic</c>, <c>diff_rank_seed</c>.
    public ConfigTable? Randomness { get; init; }

    /// <c>experiment_name</c>: The run's name (default: the config file's name and the timestamp).
    public string? ExperimentName { get; init; }

    /// <summary>A config whose keys the other arguments override (MMEngine's <c>cfg</c>).</summary>
    public ConfigTable? Cfg { get; init; }

    /// <c>compile</c>: MMEngine's <c>compile</c>: refused with an explanation when true (TorchSharp has no <c>torch.compile</c>).
    public bool? Compile { get; init; }

    /// <summary>The arguments as one config table (snake_case keys), over <see cref="Cfg"/>.</summary>
    public ConfigTable ToConfig()
    {
        var cfg = Cfg?.Clone() ?? new ConfigTable(SourceLocation.Code);
        void Put(string key, object? value)
        {
            if (value is null) return;
            cfg.Set(key, value, SourceLocation.Code);
        }
        Put("model", Model);
        Put("work_dir", WorkDir);
        Put("train_dataloader", TrainDataloader);
        Put("val_dataloader", ValDataloader);
        Put("test_dataloader", TestDataloader);
        Put("train_cfg", TrainCfg);
        Put("val_cfg", ValCfg);
        Put("test_cfg", TestCfg);
        Put("auto_scale_lr", AutoScaleLr);
        Put("optim_wrapper", OptimWrapper);
        Put("param_scheduler", ParamScheduler);
        Put("val_evaluator", ValEvaluator);
        Put("test_evaluator", TestEvaluator);
        Put("default_hooks", DefaultHooks);
        if (CustomHooks is not null)
        {
            var hooks = new ConfigArray(SourceLocation.Code);
            foreach (var hook in CustomHooks) hooks.Add(hook);
            Put("custom_hooks", hooks);
        }
        Put("data_preprocessor", DataPreprocessor);
        Put("load_from", LoadFrom);
        Put("resume", Resume);
        Put("launcher", Launcher);
        Put("env_cfg", EnvCfg);
        Put("log_processor", LogProcessor);
        Put("log_level", LogLevel);
        Put("visualizer", Visualizer);
        Put("default_scope", DefaultScope);
        Put("randomness", Randomness);
        Put("experiment_name", ExperimentName);
        Put("compile", Compile);
        cfg.AssignPaths();
        return cfg;
    }
}
