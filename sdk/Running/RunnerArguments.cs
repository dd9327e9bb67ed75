namespace Runner.Sdk.Running;

using global::Runner.Sdk.Configuration;

/// <summary>
/// MMEngine's <c>Runner(...)</c> arguments for building a runner from C#. Each may be a ready object (a
/// <c>BaseModel</c>, a <c>DataLoader</c>, a <c>Hook</c>…) or a <see cref="ConfigTable"/>, exactly as in a config file;
/// <see cref="TrainingRunner.Create"/> checks and builds them the same way <see cref="TrainingRunner.FromConfig"/> does.
/// </summary>
public sealed class RunnerArguments
{
    public object? Model { get; init; }

    public string? WorkDir { get; init; }

    public object? TrainDataloader { get; init; }

    public object? ValDataloader { get; init; }

    public object? TestDataloader { get; init; }

    public ConfigTable? TrainCfg { get; init; }

    public ConfigTable? ValCfg { get; init; }

    public ConfigTable? TestCfg { get; init; }

    public ConfigTable? AutoScaleLr { get; init; }

    public object? OptimWrapper { get; init; }

    /// <summary>A scheduler or table, or a list of them (a <see cref="ConfigArray"/>).</summary>
    public object? ParamScheduler { get; init; }

    public object? ValEvaluator { get; init; }

    public object? TestEvaluator { get; init; }

    public ConfigTable? DefaultHooks { get; init; }

    /// <summary>Hooks or hook tables.</summary>
    public IReadOnlyList<object>? CustomHooks { get; init; }

    public object? DataPreprocessor { get; init; }

    public string? LoadFrom { get; init; }

    /// <summary>False, true (from <c>work_dir/last_checkpoint</c>) or a checkpoint path.</summary>
    public object? Resume { get; init; }

    public string? Launcher { get; init; }

    public ConfigTable? EnvCfg { get; init; }

    public object? LogProcessor { get; init; }

    public string? LogLevel { get; init; }

    public ConfigTable? Visualizer { get; init; }

    public string? DefaultScope { get; init; }

    public ConfigTable? Randomness { get; init; }

    public string? ExperimentName { get; init; }

    /// <summary>A config whose keys the other arguments override (MMEngine's <c>cfg</c>).</summary>
    public ConfigTable? Cfg { get; init; }

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
