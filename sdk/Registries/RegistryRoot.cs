using System.Reflection;
using Runner.Sdk.Configuration;

namespace Runner.Sdk.Registries;

/// <summary>
/// All per-kind registries of one host (MMEngine's <c>registry/root.py</c>). The SDK's built-ins live in the root
/// scope <see cref="RootScope"/>; each plugin scope is a child node in every kind's tree. Created by the host (tests
/// create their own), never a static singleton, so plugins can be unloaded and tests stay independent.
/// </summary>
public sealed class RegistryRoot
{
    /// <summary>The scope of the SDK's own components (MMEngine's <c>mmengine</c>).</summary>
    public const string RootScope = "runner";

    private readonly List<Registry> _registries;
    private readonly HashSet<string> _scopes = new(StringComparer.Ordinal) { RootScope };

    /// <summary>The registries of every component kind, with the SDK's built-in components registered unless <paramref name="registerBuiltins"/> is false.</summary>
    public RegistryRoot(bool registerBuiltins = true)
    {
        // One tree per kind the SDK declares ([ComponentKind] on each base type), in listing order.
        _registries = typeof(RegistryRoot).Assembly.GetTypes()
            .Select(type => (Type: type, Kind: type.GetCustomAttribute<ComponentKindAttribute>(inherit: false)))
            .Where(k => k.Kind is not null)
            .OrderBy(k => k.Kind!.Order)
            .Select(k => new Registry(k.Kind!.Name, k.Type, RootScope, null))
            .ToList();
        if (registerBuiltins) RegisterAssembly(typeof(RegistryRoot).Assembly, "Runner.Sdk", RootScope);
    }

    /// <summary>The root node of every kind.</summary>
    public IReadOnlyList<Registry> Registries => _registries;

    /// <summary>Every scope that has registered something (and the root scope).</summary>
    public IReadOnlyCollection<string> Scopes => _scopes;

    /// <summary>The registry tree whose components derive from <paramref name="baseType"/>, or null.</summary>
    public Registry? ForType(Type baseType) =>
        _registries.FirstOrDefault(r => r.BaseType == baseType) ?? _registries.FirstOrDefault(r => r.BaseType.IsAssignableFrom(baseType));

    /// <summary>The registry tree of a kind.</summary>
    public Registry ForType<T>() => ForType(typeof(T)) ?? throw new ArgumentException($"No registry holds {typeof(T).Name}.");

    /// <summary>Registers every <see cref="RegisterAttribute"/> class of <paramref name="assembly"/>; returns what was registered.</summary>
    /// <param name="provider">Who provides them (a plugin name), for messages.</param>
    /// <param name="scope">The scope; default: the assembly's <see cref="PluginScopeAttribute"/>, else its name.</param>
    public IReadOnlyList<RegistryEntry> RegisterAssembly(Assembly assembly, string provider, string? scope = null)
    {
        scope ??= assembly.GetCustomAttribute<PluginScopeAttribute>()?.Scope ?? assembly.GetName().Name!;
        var added = new List<RegistryEntry>();
        foreach (var type in assembly.GetTypes())
        {
            var attribute = type.GetCustomAttribute<RegisterAttribute>(inherit: false);
            if (attribute is null) continue;
            added.AddRange(Register(type, attribute, provider, scope));
        }
        _scopes.Add(scope);
        return added;
    }

    /// <summary>Registers one class under <paramref name="scope"/>.</summary>
    public IReadOnlyList<RegistryEntry> Register(Type type, RegisterAttribute attribute, string provider, string scope)
    {
        if (type.IsAbstract || type.IsInterface)
            throw new RunnerException($"{provider}: [Register] on {type.FullName}, which is abstract and cannot be built.");
        var kinds = _registries.Where(r => r.BaseType.IsAssignableFrom(type)).ToList();
        if (kinds.Count == 0)
        {
            throw new RunnerException($"{provider}: [Register] on {type.FullName}, which is not a component: it derives from none of " +
                string.Join(", ", _registries.Select(r => r.BaseType.Name)) + ".");
        }
        // A config table binds to one constructor; with two of the most parameters, which one a table means is a guess.
        var widths = type.GetConstructors().Select(c => c.GetParameters().Length).ToList();
        var widest = widths.Count == 0 ? 0 : widths.Max();
        if (widths.Count(w => w == widest) is var tied and > 1)
        {
            throw new RunnerException($"{provider}: [Register] on {type.FullName}, which has {tied} public " +
                $"constructors of {widest} parameters: a config binds to the one with the most parameters, so it must be unique. Make the others non-public, or give them fewer parameters.");
        }
        var node = scope == RootScope ? kinds[0] : kinds[0].GetOrAddChild(scope);
        var entries = new List<RegistryEntry>();
        foreach (var name in new[] { attribute.Name ?? type.Name }.Concat(attribute.Aliases))
        {
            var entry = new RegistryEntry(name, type, scope, provider);
            node.Add(entry, attribute.Force);
            entries.Add(entry);
        }
        _scopes.Add(scope);
        return entries;
    }

    /// <summary>Removes everything a provider registered (before its plugin is unloaded).</summary>
    public void Unregister(string provider)
    {
        foreach (var registry in _registries) registry.RemoveProvider(provider);
    }

    /// <summary>
    /// MMEngine's lookup: <c>scope.Type</c> starts at that scope's node; a plain name starts at
    /// <paramref name="currentScope"/>'s node (the root when that scope registered nothing of this kind) and walks up.
    /// </summary>
    public RegistryEntry Resolve(Registry registry, string typeName, string currentScope, SourceLocation? location, string? keyPath)
    {
        var start = registry;
        var name = typeName;
        var dot = typeName.IndexOf('.');
        if (dot > 0 && _scopes.Contains(typeName[..dot]))
        {
            var scope = typeName[..dot];
            name = typeName[(dot + 1)..];
            start = registry.FindScope(scope) ?? registry;
        }
        else if (currentScope != registry.Scope)
        {
            if (!_scopes.Contains(currentScope)) throw RegistryException.UnknownScope(currentScope, _scopes, location, keyPath);
            start = registry.FindScope(currentScope) ?? registry;
        }
        var searched = new List<string>();
        return start.FindUpwards(name, searched) ?? throw RegistryException.Unknown(typeName, registry, searched, location, keyPath);
    }
}
