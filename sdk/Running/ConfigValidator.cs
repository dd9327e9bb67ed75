namespace Runner.Sdk.Running;

using global::Runner.Sdk.Configuration;
using global::Runner.Sdk.Data;
using global::Runner.Sdk.Evaluation;
using global::Runner.Sdk.Hooks;
using global::Runner.Sdk.Logging;
using global::Runner.Sdk.Models;
using global::Runner.Sdk.Optim;
using global::Runner.Sdk.Optim.Schedulers;
using global::Runner.Sdk.Registries;
using global::Runner.Sdk.Running.Loops;

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
        "default_scope", "experiment_name", "auto_scale_lr", "compile", "plugins", "visualizer",
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
        check.ServiceTypes.AddRange([typeof(Runner), typeof(DataLoader), typeof(Evaluator), typeof(OptimWrapper), typeof(ComponentBuilder),
            typeof(Visualization.VisContext)]);

        Section(() => CheckScalars(cfg));
        Section(() =>
        {
            if (cfg["model"] is BaseModel) return;
            var model = Table(cfg, "model") ?? throw ConfigException.At(cfg.Location, "model", "the config has no model.",
                "add a [model] table with type = \"...\".");
            check.Build<BaseModel>(model);
        });
        Section(() =>
        {
            if (cfg["data_preprocessor"] is not BaseDataPreprocessor && Table(cfg, "data_preprocessor") is { } preprocessor)
                check.Build<BaseDataPreprocessor>(preprocessor);
        });
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
                if (cfg[key] is DataLoader || Table(cfg, key) is not { } loader) return;
                if (key != "train_dataloader" && Runner.NamedDataLoaderTables(loader) is { } named)
                    foreach (var (_, table) in named) CheckDataLoader(check, table);
                else CheckDataLoader(check, loader);
            });
        Section(() => CheckTrainLoop(check, cfg));
        foreach (var (key, loop) in new[] { ("val_cfg", typeof(ValLoop)), ("test_cfg", typeof(TestLoop)) })
        {
            Section(() =>
            {
                if (Table(cfg, key) is not { } loopCfg) return;
                if (loopCfg.TypeName is not null) check.Build<BaseLoop>(loopCfg);
                else check.BuildType(loop, loopCfg);
            });
        }
        foreach (var key in new[] { "val_evaluator", "test_evaluator" }) Section(() => EvaluatorPart.Decode(check, cfg, key));
        Section(() => CheckOptimWrapper(check, cfg));
        Section(() => CheckParamSchedulers(check, cfg, Section));
        Section(() => CheckDefaultHooks(check, cfg, Section));
        Section(() => CheckCustomHooks(check, cfg, Section));
        foreach (var (key, type) in new[] { ("randomness", typeof(RandomnessSettings)), ("env_cfg", typeof(EnvSettings)),
                     ("auto_scale_lr", typeof(AutoScaleLrSettings)) })
            Section(() => { if (Table(cfg, key) is { } table) check.BuildType(type, table); });
        Section(() =>
        {
            if (Table(cfg, "visualizer") is not { } visualizer) return;
            var unknown = visualizer.Keys.FirstOrDefault(k => k != "vis_backends");
            if (unknown is not null)
                throw ConfigException.At(visualizer.LocationOf(unknown), visualizer.PathOf(unknown), $"the visualizer has no option '{unknown}'.", "valid keys: vis_backends.");
            if (visualizer["vis_backends"] is not { } backends) return;
            if (backends is not ConfigArray list) throw ConfigException.At(visualizer.LocationOf("vis_backends"), "visualizer.vis_backends", "expected a list of backend tables.");
            for (var i = 0; i < list.Count; i++)
            {
                if (list[i] is Visualization.IVisBackend) continue;
                if (list[i] is not ConfigTable backend) throw ConfigException.At(list.LocationOf(i), $"visualizer.vis_backends[{i}]", "expected a backend table.");
                check.Build<Visualization.IVisBackend>(backend);
            }
        });
        Section(() =>
        {
            if (Table(cfg, "log_processor") is not { } table) return;
            if (table.TypeName is not null) check.Build<LogProcessor>(table);
            else check.BuildType(typeof(LogProcessor), table);
        });
        return problems;
    }

    private static bool IsDevice(string name)
    {
        try
        {
            _ = new TorchSharp.torch.Device(name);
            return true;
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            return false;
        }
    }

    private static void CheckScalars(ConfigTable cfg)
    {
        CheckType<string>(cfg, "work_dir");
        if (cfg["load_from"] is ConfigTable loadFrom)
        {
            if (loadFrom.Keys.FirstOrDefault(k => k is not ("path" or "strict" or "revise_keys" or "map_location")) is { } unknown)
                throw ConfigException.At(loadFrom.LocationOf(unknown), loadFrom.PathOf(unknown), $"load_from has no option '{unknown}'.", "valid keys: path, strict, revise_keys, map_location.");
            if (loadFrom["path"] is not string) throw ConfigException.At(loadFrom.Location, "load_from.path", "load_from needs path = \"checkpoint file\".");
            if (loadFrom["map_location"] is { } location && (location is not string device || !IsDevice(device)))
                throw ConfigException.At(loadFrom.LocationOf("map_location"), "load_from.map_location", "expected a device name.", "for example map_location = \"cpu\" or \"cuda:0\".");
            if (loadFrom["strict"] is { } strict and not bool) throw ConfigException.At(loadFrom.LocationOf("strict"), "load_from.strict", "expected true or false.");
            if (loadFrom["revise_keys"] is { } revise && (revise is not ConfigArray pairs || !pairs.All(p => p is ConfigArray { Count: 2 } pair && pair.All(x => x is string))))
            {
                throw ConfigException.At(loadFrom.LocationOf("revise_keys"), "load_from.revise_keys", "expected a list of [regex, replacement] pairs.",
                    "for example revise_keys = [[\"^backbone\\\\.\", \"\"]].");
            }
            if (loadFrom["revise_keys"] is ConfigArray revisions)
            {
                for (var i = 0; i < revisions.Count; i++)
                {
                    var pattern = (string)((ConfigArray)revisions[i]!)[0]!;
                    try
                    {
                        _ = new System.Text.RegularExpressions.Regex(pattern);
                    }
                    catch (ArgumentException e)
                    {
                        throw ConfigException.At(revisions.LocationOf(i), $"load_from.revise_keys[{i}]", $"'{pattern}' is not a valid regular expression: {e.Message}");
                    }
                }
            }
        }
        else CheckType<string>(cfg, "load_from");
        CheckType<string>(cfg, "experiment_name");
        CheckType<string>(cfg, "default_scope");
        CheckType<bool>(cfg, "compile");
        CheckType<ConfigArray>(cfg, "plugins");
        if (cfg["resume"] is { } and not bool and not string)
            throw ConfigException.At(cfg.LocationOf("resume"), "resume", "expected true, false or a checkpoint path.");
        if (cfg["log_level"] is { } level && (level is not string name || !IsLogLevel(name)))
        {
            throw ConfigException.At(cfg.LocationOf("log_level"), "log_level", $"'{level}' is not a log level.",
                "use one of DEBUG, INFO, WARNING, ERROR.");
        }
        if (cfg["launcher"] is { } launcher && launcher is not "none")
        {
            throw ConfigException.At(cfg.LocationOf("launcher"), "launcher", $"launcher '{launcher}' is not available: this version trains in one process.",
                "remove launcher, or set it to \"none\".");
        }
    }

    private static void CheckTrainLoop(ComponentBuilder check, ConfigTable cfg)
    {
        if (Table(cfg, "train_cfg") is not { } trainCfg) return;
        if (trainCfg.TypeName is not null && trainCfg.ContainsKey("by_epoch"))
            throw ConfigException.At(trainCfg.LocationOf("by_epoch"), "train_cfg", "give either type or by_epoch, not both.");
        if (trainCfg.TypeName is not null)
        {
            check.Build<BaseLoop>(trainCfg);
            return;
        }
        var table = trainCfg.Clone();
        if (table["by_epoch"] is { } and not bool)
            throw ConfigException.At(trainCfg.LocationOf("by_epoch"), "train_cfg.by_epoch", "expected true or false.");
        var byEpoch = table["by_epoch"] is not false;
        table.Remove("by_epoch");
        check.BuildType(byEpoch ? typeof(EpochBasedTrainLoop) : typeof(IterBasedTrainLoop), table);
    }

    private static void CheckOptimWrapper(ComponentBuilder check, ConfigTable cfg)
    {
        if (cfg["optim_wrapper"] is OptimWrapper || Table(cfg, "optim_wrapper") is not { } optimWrapper) return;
        var (constructor, defaults) = Runner.OptimWrapperConstructorTable(optimWrapper);
        check.Build<IOptimWrapperConstructor>(constructor, defaults);
        if (constructor.TypeName != nameof(DefaultOptimWrapperConstructor)) return; // a plugin's constructor reads the table its own way
        var rest = (ConfigTable)defaults["optim_wrapper_cfg"]!;
        var optimizer = Table(rest, "optimizer") ?? throw ConfigException.At(optimWrapper.Location, "optim_wrapper",
            "optim_wrapper has no optimizer table.", "add optimizer = { type = \"SGD\", lr = 0.01 }.");
        check.Build<IOptimizerFactory>(optimizer);
        if (defaults["paramwise_cfg"] is ConfigTable paramwise) check.BuildType(typeof(ParamwiseSettings), paramwise);
        var wrapper = rest.Clone();
        wrapper.Remove("optimizer");
        if (wrapper["clip_grad"] is ConfigTable clipGrad) ClipGradSettings.From(clipGrad);
        check.Build<OptimWrapper>(wrapper, new Dictionary<string, object?> { ["type"] = nameof(OptimWrapper), ["optimizer"] = ComponentBuilder.Supplied });
    }

    private static void CheckParamSchedulers(ComponentBuilder check, ConfigTable cfg, Action<Action> section)
    {
        switch (cfg["param_scheduler"])
        {
            case null or ParamScheduler:
                return;
            case ConfigTable { TypeName: null } perWrapper:
                // Keyed by the names of an OptimWrapperDict's wrappers: each value a scheduler or a list of them.
                foreach (var (name, value) in perWrapper)
                {
                    section(() =>
                    {
                        var tables = value switch
                        {
                            ConfigTable one => [one],
                            ConfigArray many when many.All(i => i is ConfigTable) => many.Cast<ConfigTable>().ToList(),
                            _ => throw ConfigException.At(perWrapper.LocationOf(name), perWrapper.PathOf(name), "expected a scheduler table or a list of them."),
                        };
                        foreach (var table in tables) check.Build<ParamScheduler>(table);
                    });
                }
                return;
            case ConfigTable single:
                check.Build<ParamScheduler>(single);
                return;
            case ConfigArray list:
                for (var i = 0; i < list.Count; i++)
                {
                    var index = i;
                    section(() =>
                    {
                        if (list[index] is ParamScheduler) return;
                        if (list[index] is not ConfigTable item)
                            throw ConfigException.At(list.LocationOf(index), $"param_scheduler[{index}]", "expected a scheduler table.");
                        check.Build<ParamScheduler>(item);
                    });
                }
                return;
            default:
                throw ConfigException.At(cfg.LocationOf("param_scheduler"), "param_scheduler", "expected a scheduler table or a list of them.");
        }
    }

    private static void CheckDefaultHooks(ComponentBuilder check, ConfigTable cfg, Action<Action> section)
    {
        if (cfg["default_hooks"] is not { } defaults) return;
        if (defaults is not ConfigTable table) throw ConfigException.At(cfg.LocationOf("default_hooks"), "default_hooks", "expected a table of hooks.");
        foreach (var (hookName, value) in table)
        {
            section(() =>
            {
                var known = Runner.DefaultHooks.FirstOrDefault(d => d.Name == hookName);
                switch (value)
                {
                    case false when known.Name is not null:
                    case Hook:
                        break;
                    case ConfigTable hook when hook.TypeName is not null:
                        check.Build<Hook>(hook);
                        break;
                    case ConfigTable hook when known.Name is not null:
                        check.Build<Hook>(hook, new Dictionary<string, object?> { ["type"] = known.Type });
                        break;
                    default:
                        throw ConfigException.At(table.LocationOf(hookName), table.PathOf(hookName),
                            known.Name is null ? "a new default hook needs a table with a type." : "expected a hook table, or false to remove this default hook.",
                            $"default hooks: {string.Join(", ", Runner.DefaultHooks.Select(d => d.Name))}.");
                }
            });
        }
    }

    private static void CheckCustomHooks(ComponentBuilder check, ConfigTable cfg, Action<Action> section)
    {
        if (cfg["custom_hooks"] is not { } custom) return;
        if (custom is not ConfigArray hooks) throw ConfigException.At(cfg.LocationOf("custom_hooks"), "custom_hooks", "expected a list of hook tables ([[custom_hooks]]).");
        for (var i = 0; i < hooks.Count; i++)
        {
            var index = i;
            section(() =>
            {
                if (hooks[index] is Hook) return;
                if (hooks[index] is not ConfigTable hook) throw ConfigException.At(hooks.LocationOf(index), $"custom_hooks[{index}]", "expected a hook table.");
                check.Build<Hook>(hook);
            });
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

    private static void CheckDataLoader(ComponentBuilder check, ConfigTable loader)
    {
        var dataset = Table(loader, "dataset") ?? throw ConfigException.At(loader.Location, loader.Path, "the dataloader has no dataset table.",
            "add dataset = { type = \"...\" }.");
        check.Build<IDataset>(dataset);
        if (Table(loader, "sampler") is { } sampler)
            check.Build<ISampler>(sampler, new Dictionary<string, object?> { ["dataset"] = ComponentBuilder.Supplied, ["seed"] = ComponentBuilder.Supplied });
        var rest = loader.Clone();
        rest.Remove("dataset");
        rest.Remove("sampler");
        check.BuildType(typeof(DataLoader), rest, new Dictionary<string, object?> { ["dataset"] = ComponentBuilder.Supplied, ["sampler"] = ComponentBuilder.Supplied });
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

    private static ConfigTable? Table(ConfigTable cfg, string key) => cfg[key] switch
    {
        null => null,
        ConfigTable table => table,
        var other => throw ConfigException.At(cfg.LocationOf(key), cfg.PathOf(key), $"expected a table, got {other.GetType().Name switch { "Int64" => "an integer", "Double" => "a number", "String" => "a string", "Boolean" => "a boolean", _ => "a list" }}."),
    };

    private static void CheckType<T>(ConfigTable cfg, string key)
    {
        if (cfg[key] is { } value && value is not T)
            throw ConfigException.At(cfg.LocationOf(key), key, $"expected {ComponentBuilder.FriendlyType(typeof(T))}.");
    }

    private static bool IsLogLevel(string name) =>
        name.ToUpperInvariant() is "TRACE" or "DEBUG" or "INFO" or "WARN" or "WARNING" or "ERROR" or "FATAL" or "CRITICAL";
}
