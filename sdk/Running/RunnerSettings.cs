using Runner.Sdk.Configuration;
using Runner.Sdk.Data;
using Runner.Sdk.Registries;

namespace Runner.Sdk.Running;

/// <summary>
/// A runner config's top level, read once: every key it may have (the one list of them), and the runner's own
/// settings — MMEngine's <c>Runner</c> arguments that are not components — decoded into typed values by the
/// <see cref="ComponentBuilder"/>, in check mode (<see cref="ConfigValidator"/>) and build mode (the runner) alike.
/// The parts (model, loaders, loops, optimizer, hooks…) stay tables until the decoders in <c>Parts/</c> build them.
/// </summary>
internal sealed class RunnerSettings
{
    /// <summary>The runner's settings, decoded here.</summary>
    public static readonly IReadOnlyList<string> SettingKeys =
    [
        "work_dir", "default_scope", "experiment_name", "device", "launcher", "randomness", "env_cfg", "load_from", "resume",
        "auto_scale_lr", "model_wrapper_cfg", "compile", "log_level", "plugins",
    ];

    /// <summary>The parts, built by their decoders in <c>Parts/</c> when the runner needs them.</summary>
    public static readonly IReadOnlyList<string> PartKeys =
    [
        "model", "data_preprocessor", "train_dataloader", "val_dataloader", "test_dataloader", "train_cfg", "val_cfg", "test_cfg",
        "optim_wrapper", "param_scheduler", "val_evaluator", "test_evaluator", "default_hooks", "custom_hooks", "log_processor", "visualizer",
    ];

    /// <summary>Every top-level key a runner config may have.</summary>
    public static IEnumerable<string> Keys => SettingKeys.Concat(PartKeys);

    /// <summary>The top-level settings that are tables of options (anything else there would be passed over without a word).</summary>
    private static readonly string[] TableKeys =
        ["randomness", "env_cfg", "auto_scale_lr", "model_wrapper_cfg", "log_processor", "default_hooks", "train_cfg", "val_cfg", "test_cfg"];

    private RunnerSettings(ConfigTable cfg) => Cfg = cfg;

    /// <summary>The config the settings were read from (for the locations errors name).</summary>
    public ConfigTable Cfg { get; }

    /// <summary><c>experiment_name</c>, or null: the config file's name.</summary>
    public string? ExperimentName { get; private set; }

    /// <summary><c>device</c> as written: <c>cpu</c>, <c>cuda</c>, <c>cuda:N</c> or <c>auto</c>.</summary>
    public string Device { get; private set; } = "cpu";

    /// <summary><c>launcher</c>: <c>none</c>, <c>mpi</c> or <c>slurm</c>.</summary>
    public string Launcher { get; private set; } = "none";

    /// <summary><c>log_level</c>.</summary>
    public string LogLevel { get; private set; } = "INFO";

    /// <summary><c>compile</c> (MMEngine's <c>torch.compile</c>; warned about: TorchSharp has none).</summary>
    public bool Compile { get; private set; }

    /// <summary><c>randomness</c>.</summary>
    public RandomnessSettings Randomness { get; private set; } = new();

    /// <summary><c>env_cfg</c>.</summary>
    public EnvSettings Env { get; private set; } = new();

    /// <summary><c>auto_scale_lr</c>, when the config has it.</summary>
    public AutoScaleLrSettings? AutoScaleLr { get; private set; }

    /// <summary><c>model_wrapper_cfg</c> (the default wrapper's settings when the config has none).</summary>
    public Distributed.ModelWrapperSettings ModelWrapper { get; private set; } = new();

    /// <summary><c>load_from</c>: a path or a table, as its settings; null without it.</summary>
    public LoadFromSettings? LoadFrom { get; private set; }

    /// <summary><c>resume = true</c>: resume from <c>load_from</c>, else the work dir's newest checkpoint.</summary>
    public bool ResumesAutomatically { get; private set; }

    /// <summary><c>resume = "path"</c>: the checkpoint (or last_checkpoint file, or work dir) to resume from.</summary>
    public string? ResumeFrom { get; private set; }

    /// <summary><c>train_cfg</c>, <c>val_cfg</c>, <c>test_cfg</c>: the loops' tables (a loop is built from its table when first used).</summary>
    public ConfigTable? LoopTable(Mode mode) => Cfg[mode.Key() + "_cfg"] as ConfigTable;

    /// <summary><c>train_dataloader</c> given as a ready <see cref="DataLoader"/> (the C# API), or null.</summary>
    public DataLoader? GivenTrainDataloader => Cfg["train_dataloader"] as DataLoader;

    /// <summary>The location of <paramref name="key"/> inside the top-level table <paramref name="table"/> (<c>env_cfg.libtorch</c>), for messages.</summary>
    public SourceLocation? LocationIn(string table, string key) => (Cfg[table] as ConfigTable)?.LocationOf(key);

    /// <summary>The work dir a config names: <c>work_dir</c>, or <c>work_dirs/&lt;config file name&gt;</c>; an empty or unusable name is an error at its line.</summary>
    public static string WorkDirOf(ConfigTable cfg, string? configPath)
    {
        if (cfg["work_dir"] is string named && (string.IsNullOrWhiteSpace(named) || named.Contains('\0')))
            throw ConfigException.At(cfg.LocationOf("work_dir"), "work_dir", named.Length == 0 ? "is empty." : "is not a usable folder name.", "name a folder, e.g. work_dirs/my_job.");
        return Path.GetFullPath(cfg["work_dir"] as string ?? Path.Combine("work_dirs", configPath is null ? "default" : Path.GetFileNameWithoutExtension(configPath)));
    }

    /// <summary>
    /// <c>env_cfg</c> alone, decoded as <see cref="Decode"/> decodes it, for a host that needs it before the plugins are
    /// loaded (runner-host asks whether a requeued Slurm job resumes); a wrong value is the same error at its line.
    /// </summary>
    public static EnvSettings EnvOf(ConfigTable cfg) => cfg["env_cfg"] is ConfigTable table
        ? (EnvSettings)new ComponentBuilder(new RegistryRoot(registerBuiltins: false), RegistryRoot.RootScope, validateOnly: true).BuildType(typeof(EnvSettings), table)!
        : new EnvSettings();

    /// <summary>The default scope a config names, read before the registries are used (a wrong type is reported by <see cref="Decode"/>).</summary>
    public static string DefaultScopeOf(ConfigTable cfg) => cfg["default_scope"] as string ?? RegistryRoot.RootScope;

    /// <summary>
    /// Decodes the settings (after <see cref="CheckKeys"/>); with <paramref name="section"/>, each setting is checked as
    /// a section of its own (so that all of a config's problems are reported), else the first problem is thrown.
    /// </summary>
    public static RunnerSettings Decode(ComponentBuilder builder, ConfigTable cfg, Action<Action>? section = null)
    {
        section ??= check => check();
        var settings = new RunnerSettings(cfg);
        section(settings.ReadScalars);
        T? Options<T>(string key) where T : class => cfg[key] is ConfigTable table ? (T?)builder.BuildType(typeof(T), table) : null;
        section(() => settings.Randomness = Options<RandomnessSettings>("randomness") ?? new RandomnessSettings());
        section(() => settings.Env = Options<EnvSettings>("env_cfg") ?? new EnvSettings());
        section(() => settings.AutoScaleLr = Options<AutoScaleLrSettings>("auto_scale_lr"));
        section(() => settings.ModelWrapper = Options<Distributed.ModelWrapperSettings>("model_wrapper_cfg") ?? new Distributed.ModelWrapperSettings());
        section(() => settings.LoadFrom = cfg["load_from"] is string path ? new LoadFromSettings(path) : Options<LoadFromSettings>("load_from"));
        return settings;
    }

    /// <summary>Refuses a top-level key that is neither a setting nor a part, suggesting the closest.</summary>
    public static void CheckKeys(ConfigTable cfg)
    {
        foreach (var key in cfg.Keys)
        {
            if (Keys.Contains(key)) continue;
            var suggestions = NameSuggester.Closest(key, Keys.ToList());
            throw ConfigException.At(cfg.LocationOf(key), key, $"'{key}' is not a runner setting.",
                suggestions.Count > 0 ? $"did you mean '{suggestions[0]}'?" : $"runner settings: {string.Join(", ", Keys)}.");
        }
    }

    /// <summary>The settings that are single values, each checked for its type and value.</summary>
    private void ReadScalars()
    {
        // work_dir and default_scope are read before the settings (WorkDirOf, DefaultScopeOf): checked here for their type.
        Value<string>("work_dir");
        Value<string>("default_scope");
        if (Cfg["load_from"] is not ConfigTable) Value<string>("load_from");
        ExperimentName = Value<string>("experiment_name");
        Compile = Value<bool>("compile");
        Value<ConfigArray>("plugins", "a list of plugin folders, e.g. plugins = [\"my_plugin/bin/Release/net10.0\"]");
        foreach (var key in TableKeys) Value<ConfigTable>(key, $"a table, e.g. {key} = {{ ... }}");
        switch (Cfg["resume"])
        {
            case null or false: break;
            case true: ResumesAutomatically = true; break;
            case string path: ResumeFrom = path; break;
            default: throw ConfigException.At(Cfg.LocationOf("resume"), "resume", "expected true, false or a checkpoint path.");
        }
        if (Cfg["log_level"] is { } level)
        {
            LogLevel = level is string name && IsLogLevel(name) ? name
                : throw ConfigException.At(Cfg.LocationOf("log_level"), "log_level", $"'{level}' is not a log level.", "use one of DEBUG, INFO, WARNING, ERROR.");
        }
        if (Cfg["device"] is { } device)
        {
            Device = device is string deviceName && DeviceChoice.IsValid(deviceName) ? deviceName
                : throw ConfigException.At(Cfg.LocationOf("device"), "device", $"{(device is string ? $"'{device}'" : "this value")} is not a device.",
                    $"use one of: {string.Join(", ", DeviceChoice.Forms)}.");
        }
        if (Cfg["launcher"] is { } launcher)
        {
            if (launcher is string launcherName && Distributed.Launcher.Names.Contains(launcherName))
            {
                Launcher = launcherName;
                return;
            }
            var suggestions = launcher is string given ? NameSuggester.Closest(given, Distributed.Launcher.Names) : [];
            throw ConfigException.At(Cfg.LocationOf("launcher"), "launcher", $"{(launcher is string ? $"'{launcher}'" : "this value")} is not a launcher.",
                (suggestions.Count > 0 ? $"did you mean '{suggestions[0]}'? " : "") + $"launchers: {string.Join(", ", Distributed.Launcher.Names)} (docs/distributed.md).");
        }
    }

    /// <summary>The value of <paramref name="key"/> when it has type <typeparamref name="T"/> (default when absent); another type is an error at its line.</summary>
    private T? Value<T>(string key, string? example = null) => Cfg[key] switch
    {
        null => default,
        T value => value,
        var other => throw ConfigException.At(Cfg.LocationOf(key), key, $"expected {example ?? ComponentBuilder.FriendlyType(typeof(T))}, got {ConfigValueText.Describe(other)}."),
    };

    private static bool IsLogLevel(string name) =>
        name.ToUpperInvariant() is "TRACE" or "DEBUG" or "INFO" or "WARN" or "WARNING" or "ERROR" or "FATAL" or "CRITICAL";
}
