using Runner.Sdk.Configuration;

namespace Runner.Sdk.Registries;

/// <summary>An unknown or duplicate component name: says which registry, which scopes, where in the config, and the nearest names.</summary>
public sealed class RegistryException : RunnerException
{
    private RegistryException(string message) : base(message) { }

    /// <summary>The error for a <c>type</c> found in no searched scope, with the scopes searched and the closest names.</summary>
    public static RegistryException Unknown(string typeName, Registry registry, IReadOnlyList<string> scopesSearched,
        SourceLocation? location, string? keyPath)
    {
        var suggestions = NameSuggester.Closest(typeName, registry.Root.AllEntries()
            .Select(e => e.Scope == registry.Root.Scope || scopesSearched.Contains(e.Scope) ? e.Name : e.Scope + "." + e.Name));
        var where = location is null ? "" : location + ": ";
        var key = keyPath is null ? "" : keyPath + ": ";
        var message = $"{where}{key}'{typeName}' is not in the {registry.Name} registry (scopes searched: {string.Join(" -> ", scopesSearched)}).";
        message += suggestions.Count > 0
            ? $"{Environment.NewLine}  hint: did you mean {string.Join(", ", suggestions.Select(s => $"'{s}'"))}?"
            : $"{Environment.NewLine}  hint: check the name, and that the plugin registering it is loaded (runner-host list shows what is registered).";
        return new RegistryException(message);
    }

    /// <summary>The error for a scope no plugin registered, with the scopes there are.</summary>
    public static RegistryException UnknownScope(string scope, IEnumerable<string> knownScopes, SourceLocation? location, string? keyPath)
    {
        var where = location is null ? "" : location + ": ";
        var key = keyPath is null ? "" : keyPath + ": ";
        var known = knownScopes.Order().ToList();
        var suggestions = NameSuggester.Closest(scope, known);
        return new RegistryException($"{where}{key}scope '{scope}' is not known (known scopes: {string.Join(", ", known)})." +
            Environment.NewLine + "  hint: " + (suggestions.Count > 0 ? $"did you mean '{suggestions[0]}'? " : "") +
            $"A scope is registered by a plugin: is the plugin that provides '{scope}' loaded? Pass --plugins DIR (its build folder), or name it in the config with plugins = [\"DIR\"].");
    }

    /// <summary>The error for a second component of one name in one scope, naming both providers.</summary>
    public static RegistryException Duplicate(Registry registry, RegistryEntry added, RegistryEntry existing) =>
        new($"'{added.Name}' is registered twice in the {registry.Scope}::{registry.Name} registry: by {existing.Provider} " +
            $"({existing.Type.FullName}) and by {added.Provider} ({added.Type.FullName})." +
            $"{Environment.NewLine}  hint: rename one, or mark the replacement [Register(Force = true)].");
}
