using Runner.Sdk.Configuration;
using Runner.Sdk.Registries;

namespace Runner.Sdk.Running;

/// <summary>The shape checks the config parts share: a key that must hold a table, or a value of one type.</summary>
internal static class ConfigShape
{
    /// <summary>The table at <paramref name="key"/>; null when absent; an error at its line when it is something else.</summary>
    public static ConfigTable? Table(ConfigTable cfg, string key) => cfg[key] switch
    {
        null => null,
        ConfigTable table => table,
        var other => throw ConfigException.At(cfg.LocationOf(key), cfg.PathOf(key), $"expected a table, got {ConfigValueText.Describe(other)}."),
    };

    public static void Expect<T>(ConfigTable cfg, string key)
    {
        if (cfg[key] is { } value && value is not T)
            throw ConfigException.At(cfg.LocationOf(key), cfg.PathOf(key), $"expected {ComponentBuilder.FriendlyType(typeof(T))}, got {ConfigValueText.Describe(value)}.");
    }

    /// <summary>What is given for a value the runner supplies: the value itself when building, a placeholder when checking.</summary>
    public static object Given(ComponentBuilder builder, object? value) => value ?? ComponentBuilder.Supplied;
}
