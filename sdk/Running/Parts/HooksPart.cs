using Runner.Sdk.Configuration;
using Runner.Sdk.Hooks;

namespace Runner.Sdk.Running;

/// <summary>
/// The hooks a config asks for, in registration order: MMEngine's six default hooks merged with
/// <c>default_hooks</c> (a table changes a default's options or, with <c>type</c>, replaces it; <c>false</c>
/// removes it), then the other <c>default_hooks</c> entries, then <c>custom_hooks</c>. Each is an instance given in
/// C#, or the table to build it from; the runner builds them, a checker checks them, from this one list.
/// </summary>
internal static class HooksPart
{
    /// <summary>The six default hooks in MMEngine's order.</summary>
    public static readonly (string Name, string Type)[] DefaultHooks =
    [
        ("runtime_info", nameof(RuntimeInfoHook)),
        ("timer", nameof(IterTimerHook)),
        ("sampler_seed", nameof(DistSamplerSeedHook)),
        ("logger", nameof(LoggerHook)),
        ("param_scheduler", nameof(ParamSchedulerHook)),
        ("checkpoint", nameof(CheckpointHook)),
    ];

    /// <param name="withIterDefault">Sets <c>by_epoch = false</c> on the checkpoint hook's table when the train loop counts iterations.</param>
    /// <param name="each">Runs the decoding of each entry, so that a checker can collect one problem per hook.</param>
    public static List<(Hook? Instance, ConfigTable? Table)> Entries(ConfigTable cfg, Func<ConfigTable, ConfigTable> withIterDefault, Action<Action>? each = null)
    {
        each ??= action => action();
        var entries = new List<(Hook?, ConfigTable?)>();
        var overrides = cfg["default_hooks"] switch
        {
            null => new ConfigTable(),
            ConfigTable table => table,
            _ => throw ConfigException.At(cfg.LocationOf("default_hooks"), "default_hooks", "expected a table of hooks."),
        };
        foreach (var (name, type) in DefaultHooks)
        {
            each(() =>
            {
                switch (overrides[name])
                {
                    case false:
                        return;
                    case Hook instance:
                        entries.Add((instance, null));
                        return;
                    case ConfigTable { TypeName: not null } replacement:
                        // A CheckpointHook named in full still counts iterations with an iteration-based loop.
                        entries.Add((null, name == "checkpoint" && replacement.TypeName == nameof(CheckpointHook) ? withIterDefault(replacement) : replacement));
                        return;
                    case null or ConfigTable:
                        var table = new ConfigTable(overrides[name] is ConfigTable given ? given.Location : SourceLocation.Code);
                        table.Set("type", type, SourceLocation.Code);
                        if (name == "checkpoint") table.Set("interval", 1L, SourceLocation.Code);
                        if (overrides[name] is ConfigTable options) ConfigLoader.Merge(table, options);
                        table.AssignPaths("default_hooks." + name);
                        entries.Add((null, name == "checkpoint" ? withIterDefault(table) : table));
                        return;
                    default:
                        throw ConfigException.At(overrides.LocationOf(name), overrides.PathOf(name), "expected a hook table, or false to remove this default hook.");
                }
            });
        }
        foreach (var (name, value) in overrides)
        {
            if (DefaultHooks.Any(d => d.Name == name)) continue;
            each(() => entries.Add(value switch
            {
                Hook hook => (hook, null),
                ConfigTable { TypeName: not null } extra => (null, extra),
                _ => throw ConfigException.At(overrides.LocationOf(name), overrides.PathOf(name), "a new default hook needs a table with a type.",
                    $"default hooks: {string.Join(", ", DefaultHooks.Select(d => d.Name))}."),
            }));
        }
        switch (cfg["custom_hooks"])
        {
            case null:
                break;
            case ConfigArray custom:
                for (var i = 0; i < custom.Count; i++)
                {
                    var index = i;
                    each(() => entries.Add(custom[index] switch
                    {
                        Hook hook => (hook, null),
                        ConfigTable table => (null, table),
                        _ => throw ConfigException.At(custom.LocationOf(index), $"custom_hooks[{index}]", "expected a hook table."),
                    }));
                }
                break;
            default:
                throw ConfigException.At(cfg.LocationOf("custom_hooks"), "custom_hooks", "expected a list of hook tables ([[custom_hooks]]).");
        }
        return entries;
    }
}
