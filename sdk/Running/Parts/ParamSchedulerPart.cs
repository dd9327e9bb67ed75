using Runner.Sdk.Configuration;
using Runner.Sdk.Optim.Schedulers;
using Runner.Sdk.Registries;

namespace Runner.Sdk.Running;

/// <summary>
/// The <c>param_scheduler</c> part: a scheduler table or a list of them, for the optimizer wrapper (for each wrapper
/// of a dict); or a table without <c>type</c> keyed by wrapper name, each value a scheduler table or a list of them.
/// The builder supplies the wrapper the schedulers drive (or, checking, stands in for it).
/// </summary>
internal static class ParamSchedulerPart
{
    /// <param name="wrapperName">The wrapper whose schedulers to decode; null (checking) decodes those of every wrapper.</param>
    /// <param name="each">Runs the decoding of each scheduler, so that a checker can collect one problem per scheduler.</param>
    public static List<ParamScheduler> Decode(ComponentBuilder builder, ConfigTable cfg, string? wrapperName, Action<Action>? each = null) =>
        DecodeWithPaths(builder, cfg, wrapperName, each).Select(decoded => decoded.Scheduler).ToList();

    /// <summary><see cref="Decode"/>, each scheduler with the key path of its table (<c>param_scheduler[1]</c>), which the run's messages about it name.</summary>
    public static List<(ParamScheduler Scheduler, string Path)> DecodeWithPaths(ComponentBuilder builder, ConfigTable cfg, string? wrapperName, Action<Action>? each = null)
    {
        var schedulers = new List<(ParamScheduler, string)>();
        each ??= action => action();
        foreach (var (item, location, path) in Entries(cfg, wrapperName))
        {
            each(() =>
            {
                var scheduler = item switch
                {
                    ParamScheduler given => given,
                    ConfigTable table => builder.Build<ParamScheduler>(table),
                    _ => throw ConfigException.At(location, path, "expected a scheduler table."),
                };
                if (scheduler is not null) schedulers.Add((scheduler, path));
            });
        }
        return schedulers;
    }

    private static List<(object? Item, SourceLocation? Location, string Path)> Entries(ConfigTable cfg, string? wrapperName)
    {
        static List<(object?, SourceLocation?, string)> Items(object? value, SourceLocation? location, string path) => value switch
        {
            null => [],
            ConfigArray list => Enumerable.Range(0, list.Count).Select(i => (list[i], list.LocationOf(i), $"{path}[{i}]")).ToList(),
            var single => [(single, location, path)],
        };
        switch (cfg["param_scheduler"])
        {
            case ConfigTable { TypeName: null } perWrapper:
                var entries = new List<(object?, SourceLocation?, string)>();
                foreach (var (name, value) in perWrapper)
                {
                    if (wrapperName is not null && name != wrapperName) continue;
                    if (value is not (ConfigTable or ConfigArray))
                        throw ConfigException.At(perWrapper.LocationOf(name), perWrapper.PathOf(name), "expected a scheduler table or a list of them.");
                    entries.AddRange(Items(value, perWrapper.LocationOf(name), perWrapper.PathOf(name)));
                }
                return entries;
            case null or ConfigTable or ConfigArray or ParamScheduler:
                return Items(cfg["param_scheduler"], cfg.LocationOf("param_scheduler"), "param_scheduler");
            default:
                throw ConfigException.At(cfg.LocationOf("param_scheduler"), "param_scheduler", "expected a scheduler table or a list of them.");
        }
    }
}
