using Runner.Sdk.Plugins;
using Runner.Sdk.Configuration;
using Runner.Sdk.Registries;

namespace Runner.Host;

/// <summary>What <c>runner-host list</c> prints: the loaded plugins, then every registered component.</summary>
internal static class ComponentListing
{
    public static void Write(TextWriter output, RegistryRoot registries, PluginCatalog catalog, string? scope, string? kind)
    {
        // A scope or kind that does not exist is an error, before anything is printed: an empty table would look like an answer.
        var kinds = registries.Registries.Select(r => KeyOf(r.Name)).Order(StringComparer.Ordinal).ToList();
        var wantedKind = kind is null ? null : kinds.FirstOrDefault(k => string.Equals(k, KeyOf(kind), StringComparison.OrdinalIgnoreCase)
                                                                        || string.Equals(k + "s", KeyOf(kind), StringComparison.OrdinalIgnoreCase));
        if (kind is not null && wantedKind is null)
            throw ConfigException.At(null, "--kind", $"'{kind}' is not a kind of component.", $"the kinds are: {string.Join(", ", kinds)}.");
        if (scope is not null && !registries.Scopes.Contains(scope))
        {
            throw ConfigException.At(null, "--scope", $"'{scope}' is not a scope.", $"the scopes are: {string.Join(", ", registries.Scopes.Order(StringComparer.Ordinal))}.");
        }

        output.WriteLine("Plugins:");
        if (catalog.Plugins.Count == 0) output.WriteLine("  (none)");
        foreach (var plugin in catalog.Plugins)
        {
            var pluginScope = plugin.Registered.FirstOrDefault()?.Scope ?? "-";
            var sdk = plugin.SdkVersion?.ToString(3) ?? "none";
            output.WriteLine($"  {plugin.Name} {plugin.Version.ToString(3)}  scope: {pluginScope}  sdk: {sdk}  registered: {plugin.Registered.Count}  path: {plugin.Path}");
        }
        output.WriteLine();
        var rows = registries.Registries
            .SelectMany(r => r.AllEntries().Select(e => (Kind: KeyOf(r.Name), Entry: e)))
            .Where(x => scope is null || x.Entry.Scope == scope)
            .Where(x => wantedKind is null || x.Kind == wantedKind)
            .OrderBy(x => x.Kind, StringComparer.Ordinal).ThenBy(x => x.Entry.Scope, StringComparer.Ordinal).ThenBy(x => x.Entry.Name, StringComparer.Ordinal)
            .ToList();
        output.WriteLine($"{"KIND",-18} {"NAME",-28} {"SCOPE",-10} PROVIDER");
        foreach (var (rowKind, entry) in rows)
            output.WriteLine($"{rowKind,-18} {entry.Name,-28} {entry.Scope,-10} {entry.Provider}");
        if (rows.Count == 0) output.WriteLine("(nothing matches)");
    }

    /// <summary>A registry's name as the config spells the kind (<c>data preprocessor</c> → <c>data_preprocessor</c>).</summary>
    private static string KeyOf(string name) => name.Replace(' ', '_');
}
