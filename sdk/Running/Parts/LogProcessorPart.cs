using Runner.Sdk.Configuration;
using Runner.Sdk.Registries;

namespace Runner.Sdk.Running;

/// <summary>
/// The <c>log_processor</c> part: a <see cref="LogProcessor"/> (or a registered subclass named by <c>type</c>) with
/// the table's options; without a table, the defaults. Counts iterations when the train loop does, unless it sets
/// <c>by_epoch</c> itself.
/// </summary>
internal static class LogProcessorPart
{
    public static LogProcessor? Decode(ComponentBuilder builder, ConfigTable cfg, Func<ConfigTable, ConfigTable> withIterDefault) => cfg["log_processor"] switch
    {
        LogProcessor given => given,
        null => (LogProcessor?)builder.BuildType(typeof(LogProcessor), withIterDefault(new ConfigTable())),
        ConfigTable { TypeName: not null } typed => builder.Build<LogProcessor>(typed),
        ConfigTable table => (LogProcessor?)builder.BuildType(typeof(LogProcessor), withIterDefault(table)),
        _ => throw ConfigException.At(cfg.LocationOf("log_processor"), "log_processor", "expected a table of log processor options."),
    };
}
