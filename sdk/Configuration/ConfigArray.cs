using System.Collections;

namespace Runner.Sdk.Configuration;

/// <summary>A TOML array in a config, remembering where each item was written.</summary>
public sealed class ConfigArray : IReadOnlyList<object?>
{
    private readonly List<object?> _items = [];
    private readonly List<SourceLocation?> _locations = [];

    /// <summary>An empty array whose own place in the config is <paramref name="location"/> (null when made in code).</summary>
    public ConfigArray(SourceLocation? location = null) => Location = location;

    /// <summary>Where the array starts.</summary>
    public SourceLocation? Location { get; }

    /// <summary>The dotted key path of the array (e.g. <c>custom_hooks</c>).</summary>
    public string Path { get; internal set; } = "";

    /// <summary>The number of items.</summary>
    public int Count => _items.Count;

    /// <summary>The item at <paramref name="index"/>: a plain value, a <see cref="ConfigTable"/> or a nested <see cref="ConfigArray"/>.</summary>
    public object? this[int index] => _items[index];

    /// <summary>Appends <paramref name="value"/>, remembering where it was written (or, when null, the array's own place).</summary>
    public void Add(object? value, SourceLocation? location = null)
    {
        Interlocked.Increment(ref ConfigTable.Changes);
        _items.Add(value);
        _locations.Add(location ?? Location);
    }

    /// <summary>Replaces item <paramref name="index"/> (a <c>--cfg-options list.1.key=…</c> override).</summary>
    internal void SetAt(int index, object? value, SourceLocation? location)
    {
        Interlocked.Increment(ref ConfigTable.Changes);
        _items[index] = value;
        _locations[index] = location ?? _locations[index];
    }

    /// <summary>Where item <paramref name="index"/> was written, for error messages.</summary>
    public SourceLocation? LocationOf(int index) => _locations[index] ?? Location;

    /// <summary>A deep copy: nested tables and arrays are copied too, locations kept.</summary>
    public ConfigArray Clone()
    {
        var copy = new ConfigArray(Location) { Path = Path };
        for (var i = 0; i < _items.Count; i++) copy.Add(ConfigTable.CloneValue(_items[i]), _locations[i]);
        return copy;
    }

    /// <summary>The items in order.</summary>
    public IEnumerator<object?> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
