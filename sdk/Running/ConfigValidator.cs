using Runner.Sdk.Configuration;
using Runner.Sdk.Data;
using Runner.Sdk.Evaluation;
using Runner.Sdk.Hooks;
using Runner.Sdk.Logging;
using Runner.Sdk.Models;
using Runner.Sdk.Optim;
using Runner.Sdk.Optim.Schedulers;
using Runner.Sdk.Registries;
using Runner.Sdk.Running.Loops;

namespace Runner.Sdk.Running;

/// <summary>
/// Checks a whole runner config without building anything: the top-level keys, every component's type and
/// options (including the parts the runner builds later), and MMEngine's consistency rules. A config that passes
/// fails later only for reasons a config cannot show (a missing data file, a bad checkpoint).
/// </summary>
internal static class ConfigValidator
{
    /// <summary>Every top-level key the runner reads.</summary>
    public static readonly string[] KnownKeys =
    [
        "model", "work_dir", "train_dataloader", "val_dataloader", "test_dataloader", "train_cfg", "val_cfg", "test_cfg",
        "optim_wrapper", "param_scheduler", "val_evaluator", "test_evaluator", "default_hooks", "custom_hooks",
        "data_preprocessor", "load_from", "resume", "launcher", "env_cfg", "log_processor", "log_level", "randomness",
        "default_scope", "experiment_name", "auto_scale_lr", "compile", "plugins", "visualizer", "model_wrapper_cfg", "device",
    ];

    /// <summary>Throws the problems <see cref="FindProblems"/> finds: one as itself, several as one message listing them all.</summary>
    public static void Validate(ConfigTable cfg, RegistryRoot registries, string defaultScope)
    {
        var problems = FindProblems(cfg, registries, defaultScope);
        if (problems.Count == 1) throw problems[0];
        if (problems.Count > 1) throw ConfigException.Several(problems);
    }

    /// <summary>Every problem of the config, each section checked on its own (within a section, the first problem).</summary>
    public static IReadOnlyList<RunnerException> FindProblems(ConfigTable cfg, RegistryRoot registries, string defaultScope)
    {
        var problems = new List<RunnerException>();
        void Section(Action check)
        {
            try
            {
                check();
            }
            catch (RunnerException e)
            {
                problems.Add(e);
            }
        }

        Section(() => CheckTopLevelKeys(cfg));
        Section(() =>
        {
            if (!registries.Scopes.Contains(defaultScope))
                throw RegistryException.UnknownScope(defaultScope, registries.Scopes, cfg.LocationOf("default_scope"), "default_scope");
        });
        if (problems.Count > 0 && !registries.Scopes.Contains(defaultScope)) return problems;

        var check = new ComponentBuilder(registries, defaultScope, validateOnly: true);
        check.ServiceTypes.AddRange([typeof(TrainingRunner), typeof(DataLoader), typeof(Evaluator), typeof(OptimWrapper), typeof(ComponentBuilder),
            typeof(Visualization.VisContext)]);
        ConfigTable WithIterDefault(ConfigTable table) => TrainLoopPart.WithIterDefault(cfg, table);

        // Each part is read by the code that builds it (Parts/*.cs), here with a builder that checks and builds nothing.
        Section(() => CheckScalars(cfg));
        Section(() => ModelPart.Decode(check, cfg));
        Section(() => CheckTriple(cfg, "train_dataloader", "train_cfg", "optim_wrapper"));
        Section(() => CheckTriple(cfg, "val_dataloader", "val_cfg", "val_evaluator"));
        Section(() => CheckTriple(cfg, "test_dataloader", "test_cfg", "test_evaluator"));
        Section(() =>
        {
            if (cfg.ContainsKey("param_scheduler") && !cfg.ContainsKey("optim_wrapper"))
                throw ConfigException.At(cfg.LocationOf("param_scheduler"), "param_scheduler", "param_scheduler needs an optim_wrapper.");
        });
        foreach (var key in new[] { "train_dataloader", "val_dataloader", "test_dataloader" })
            Section(() =>
            {
                foreach (var (_, table) in DataLoaderPart.Tables(cfg, key) ?? []) DataLoaderPart.Decode(check, table, seed: 0);
            });
        Section(() => { if (ConfigShape.Table(cfg, "train_cfg") is { } table) TrainLoopPart.Decode(check, table); });
        Section(() => { if (ConfigShape.Table(cfg, "val_cfg") is { } table) EvalLoopPart<ValLoop>.Decode(check, table); });
        Section(() => { if (ConfigShape.Table(cfg, "test_cfg") is { } table) EvalLoopPart<TestLoop>.Decode(check, table); });
        foreach (var key in new[] { "val_evaluator", "test_evaluator" }) Section(() => EvaluatorPart.Decode(check, cfg, key));
        Section(() => OptimWrapperPart.Decode(check, cfg, model: null));
        Section(() => ParamSchedulerPart.Decode(check, cfg, wrapperName: null, Section));
        Section(() =>
        {
            foreach (var (_, table) in HooksPart.Entries(cfg, WithIterDefault, Section))
                if (table is not null) Section(() => check.Build<Hook>(table));
        });
        foreach (var (key, type) in new[] { ("randomness", typeof(RandomnessSettings)), ("env_cfg", typeof(EnvSettings)),
                     ("auto_scale_lr", typeof(AutoScaleLrSettings)), ("load_from", typeof(LoadFromSettings)),
                     ("model_wrapper_cfg", typeof(Distributed.ModelWrapperSettings)) })
            Section(() => { if (cfg[key] is ConfigTable table) check.BuildType(type, table); });
        Section(() => VisualizerPart.Decode(check, cfg, context: null));
        Section(() => LogProcessorPart.Decode(check, cfg, WithIterDefault));
        return problems;
    }

    private static void CheckScalars(ConfigTable cfg)
    {
        CheckType<string>(cfg, "work_dir");
        if (cfg["load_from"] is not ConfigTable) CheckType<string>(cfg, "load_from");
        CheckType<string>(cfg, "experiment_name");
        CheckType<string>(cfg, "default_scope");
        CheckType<bool>(cfg, "compile");
        CheckType<ConfigArray>(cfg, "plugins", "a list of plugin folders, e.g. plugins = [\"my_plugin/bin/Release/net10.0\"]");
        // Settings read as tables: anything else would be passed over without a word.
        foreach (var key in TableSettings) CheckType<ConfigTable>(cfg, key, $"a table, e.g. {key} = {{ ... }}");
        if (cfg["resume"] is { } and not bool and not string)
            throw ConfigException.At(cfg.LocationOf("resume"), "resume", "expected true, false or a checkpoint path.");
        if (cfg["log_level"] is { } level && (level is not string name || !IsLogLevel(name)))
        {
            throw ConfigException.At(cfg.LocationOf("log_level"), "log_level", $"'{level}' is not a log level.",
                "use one of DEBUG, INFO, WARNING, ERROR.");
        }
        if (cfg["device"] is { } device && (device is not string deviceName || !DeviceChoice.IsValid(deviceName)))
        {
            throw ConfigException.At(cfg.LocationOf("device"), "device", $"{(device is string ? $"'{device}'" : "this value")} is not a device.",
                $"use one of: {string.Join(", ", DeviceChoice.Forms)}.");
        }
        if (cfg["launcher"] is { } launcher && (launcher is not string launcherName || !Distributed.Launcher.Names.Contains(launcherName)))
        {
            var suggestions = launcher is string given ? NameSuggester.Closest(given, Distributed.Launcher.Names) : [];
            throw ConfigException.At(cfg.LocationOf("launcher"), "launcher", $"{(launcher is string ? $"'{launcher}'" : "this value")} is not a launcher.",
                (suggestions.Count > 0 ? $"did you mean '{suggestions[0]}'? " : "") + $"launchers: {string.Join(", ", Distributed.Launcher.Names)} (docs/distributed.md).");
        }
    }

    private static void CheckTopLevelKeys(ConfigTable cfg)
    {
        foreach (var key in cfg.Keys)
        {
            if (KnownKeys.Contains(key)) continue;
            var suggestions = NameSuggester.Closest(key, KnownKeys);
            throw ConfigException.At(cfg.LocationOf(key), key, $"'{key}' is not a runner setting.",
                suggestions.Count > 0 ? $"did you mean '{suggestions[0]}'?" : $"runner settings: {string.Join(", ", KnownKeys)}.");
        }
    }

    private static void CheckTriple(ConfigTable cfg, string a, string b, string c)
    {
        var present = new[] { a, b, c }.Where(cfg.ContainsKey).ToList();
        if (present.Count is 0 or 3) return;
        var missing = new[] { a, b, c }.Except(present);
        throw ConfigException.At(cfg.LocationOf(present[0]), present[0],
            $"{a}, {b} and {c} go together: the config sets {string.Join(" and ", present)} but not {string.Join(" and ", missing)}.",
            "set all three, or none.");
    }

    /// <summary>The top-level settings that are tables of options.</summary>
    private static readonly string[] TableSettings =
        ["randomness", "env_cfg", "auto_scale_lr", "model_wrapper_cfg", "log_processor", "default_hooks", "train_cfg", "val_cfg", "test_cfg"];

    private static void CheckType<T>(ConfigTable cfg, string key, string? example = null)
    {
        if (cfg[key] is { } value && value is not T)
            throw ConfigException.At(cfg.LocationOf(key), key, $"expected {example ?? ComponentBuilder.FriendlyType(typeof(T))}, got {ComponentBuilder.Describe(value)}.");
    }

    private static bool IsLogLevel(string name) =>
        name.ToUpperInvariant() is "TRACE" or "DEBUG" or "INFO" or "WARN" or "WARNING" or "ERROR" or "FATAL" or "CRITICAL";
}
