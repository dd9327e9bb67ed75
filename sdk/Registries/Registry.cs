namespace Runner.Sdk.Registries;

/// <summary>
/// One kind's name→component table in one scope. Registries form a tree per kind: the root holds the SDK's
/// built-ins (scope <see cref="RegistryRoot.RootScope"/>) and each plugin scope is a child of it. A plain name is
/// looked up in the starting node, then in its parents (MMEngine's rule).
/// </summary>
public sealed class Registry
{
    private readonly Dictionary<string, RegistryEntry> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Registry> _children = new(StringComparer.Ordinal);

    internal Registry(string name, Type baseType, string scope, Registry? parent)
    {
        Name = name;
        BaseType = baseType;
        Scope = scope;
        Parent = parent;
    }

    /// <summary>The kind, e.g. <c>model</c>, <c>hook</c>.</summary>
    public string Name { get; }

    /// <summary>What every component of this kind derives from.</summary>
    public Type BaseType { get; }

    /// <summary>The scope this registry holds components for.</summary>
    public string Scope { get; }

    /// <summary>The registry plain names fall back to (the root scope's), or null for the root.</summary>
    public Registry? Parent { get; }

    /// <summary>The root of this registry's tree.</summary>
    public Registry Root => Parent?.Root ?? this;

    /// <summary>The registries of child scopes.</summary>
    public IReadOnlyCollection<Registry> Children => _children.Values;

    /// <summary>This node's own entries (not its parents' or children's).</summary>
    public IReadOnlyCollection<RegistryEntry> Entries => _entries.Values;

    internal Registry GetOrAddChild(string scope)
    {
        if (!_children.TryGetValue(scope, out var child))
            _children[scope] = child = new Registry(Name, BaseType, scope, this);
        return child;
    }

    internal void Add(RegistryEntry entry, bool force)
    {
        if (!force && _entries.TryGetValue(entry.Name, out var existing))
            throw RegistryException.Duplicate(this, entry, existing);
        _entries[entry.Name] = entry;
    }

    internal bool RemoveProvider(string provider)
    {
        var removed = false;
        foreach (var entry in _entries.Values.Where(e => e.Provider == provider).ToList())
            removed |= _entries.Remove(entry.Name);
        foreach (var child in _children.Values) removed |= child.RemoveProvider(provider);
        return removed;
    }

    /// <summary>This node's entry named <paramref name="name"/>, else the nearest parent's.</summary>
    public RegistryEntry? FindUpwards(string name, List<string>? searched = null)
    {
        for (var node = this; node is not null; node = node.Parent)
        {
            searched?.Add(node.Scope);
            if (node._entries.TryGetValue(name, out var entry)) return entry;
        }
        return null;
    }

    /// <summary>The node of <paramref name="scope"/> in this kind's tree (depth-first from the root), or null.</summary>
    public Registry? FindScope(string scope)
    {
        if (Scope == scope) return this;
        foreach (var child in _children.Values)
        {
            var found = child.FindScope(scope);
            if (found is not null) return found;
        }
        return null;
    }

    /// <summary>Every entry in this node and below it.</summary>
    public IEnumerable<RegistryEntry> AllEntries() =>
        _entries.Values.Concat(_children.Values.SelectMany(child => child.AllEntries()));

    /// <inheritdoc/>
    public override string ToString() => $"{Scope}::{Name}";
}
