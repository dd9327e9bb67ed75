namespace Runner.Host;

using Runner.Host.Plugins;
using Runner.Sdk.Registries;

/// <summary>What <c>runner-host list</c> prints: the loaded plugins, then every registered component.</summary>
internal static class ComponentListing
{
    public static void Write(TextWriter output, RegistryRoot registries, PluginCatalog catalog, string? scope, string? kind)
    {
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
            .SelectMany(r => r.AllEntries().Select(e => (Kind: r.Name, Entry: e)))
            .Where(x => scope is null || x.Entry.Scope == scope)
            .Where(x => kind is null || string.Equals(x.Kind, kind, StringComparison.OrdinalIgnoreCase)
                || string.Equals(x.Kind.Replace(" ", "_"), kind, StringComparison.OrdinalIgnoreCase))
            .OrderBy(x => x.Kind, StringComparer.Ordinal).ThenBy(x => x.Entry.Scope, StringComparer.Ordinal).ThenBy(x => x.Entry.Name, StringComparer.Ordinal)
            .ToList();
        output.WriteLine($"{"KIND",-18} {"NAME",-28} {"SCOPE",-10} PROVIDER");
        foreach (var (rowKind, entry) in rows)
            output.WriteLine($"{rowKind,-18} {entry.Name,-28} {entry.Scope,-10} {entry.Provider}");
        if (rows.Count > 0) return;
        output.WriteLine("(nothing matches)");
        var kinds = registries.Registries.Select(r => r.Name.Replace(" ", "_")).Order(StringComparer.Ordinal).ToList();
        if (kind is not null && !kinds.Contains(kind.Replace(" ", "_"), StringComparer.OrdinalIgnoreCase))
            output.WriteLine($"'{kind}' is not a kind; the kinds are: {string.Join(", ", kinds)}.");
        if (scope is not null && !registries.Scopes.Contains(scope))
            output.WriteLine($"'{scope}' is not a scope; the scopes are: {string.Join(", ", registries.Scopes.Order(StringComparer.Ordinal))}.");
    }
}
