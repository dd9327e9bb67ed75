using System.Collections;

namespace Runner.Sdk.Configuration;

/// <summary>
/// A TOML table in a config: keys in the order written, each value with the place it was written, so that any
/// error about it can point at the line. Values are <see cref="long"/>, <see cref="double"/>, <see cref="bool"/>,
/// <see cref="string"/>, <see cref="ConfigTable"/>, <see cref="ConfigArray"/>, or an already-built object given
/// through the C# API.
/// </summary>
public sealed class ConfigTable : IEnumerable<KeyValuePair<string, object?>>
{
    private readonly Dictionary<string, (object? Value, SourceLocation? Location)> _entries = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    /// <summary>An empty table whose own place in the config is <paramref name="location"/> (null when made in code).</summary>
    public ConfigTable(SourceLocation? location = null) => Location = location;

    /// <summary>Where the table starts (its header, or its first key).</summary>
    public SourceLocation? Location { get; }

    /// <summary>The dotted key path of this table from the config root (empty for the root).</summary>
    public string Path { get; internal set; } = "";

    /// <summary>The number of keys.</summary>
    public int Count => _order.Count;

    /// <summary>The keys in the order they were written.</summary>
    public IEnumerable<string> Keys => _order;

    /// <summary>The value of <paramref name="key"/> (a plain value, a <see cref="ConfigTable"/> or a <see cref="ConfigArray"/>), or null when absent.</summary>
    public object? this[string key]
    {
        get => _entries.TryGetValue(key, out var entry) ? entry.Value : null;
        set => Set(key, value, null);
    }

    /// <summary>Whether <paramref name="key"/> is set (to anything, even an empty table).</summary>
    public bool ContainsKey(string key) => _entries.ContainsKey(key);

    /// <summary>Gets the value of <paramref name="key"/> when it is set.</summary>
    public bool TryGetValue(string key, out object? value)
    {
        var found = _entries.TryGetValue(key, out var entry);
        value = entry.Value;
        return found;
    }

    /// <summary>Counts changes to any config table or array, so text made from a config can be reused until one changes.</summary>
    internal static long Changes;

    /// <summary>Sets a key, keeping its first position if it already existed.</summary>
    public void Set(string key, object? value, SourceLocation? location)
    {
        Interlocked.Increment(ref Changes);
        if (!_entries.ContainsKey(key)) _order.Add(key);
        _entries[key] = (value, location ?? (_entries.TryGetValue(key, out var old) ? old.Location : null));
    }

    /// <summary>Removes <paramref name="key"/> and its location; false when it was not set.</summary>
    public bool Remove(string key)
    {
        if (!_entries.Remove(key)) return false;
        Interlocked.Increment(ref Changes);
        _order.Remove(key);
        return true;
    }

    /// <summary>Where <paramref name="key"/> was written; the table's own location when unknown.</summary>
    public SourceLocation? LocationOf(string key) =>
        _entries.TryGetValue(key, out var entry) && entry.Location is not null ? entry.Location : Location;

    /// <summary>The dotted path of a key in this table.</summary>
    public string PathOf(string key) => Path.Length == 0 ? key : Path + "." + key;

    /// <summary>The <c>type</c> key of a component table, or null.</summary>
    public string? TypeName => this["type"] as string;

    /// <summary>The table as TOML text (a whole config written out: <c>runner-host config print</c>).</summary>
    public string ToToml() => ConfigWriter.ToToml(this);

    /// <summary>A deep copy: nested tables and arrays are copied too, locations kept.</summary>
    public ConfigTable Clone()
    {
        var copy = new ConfigTable(Location) { Path = Path };
        foreach (var key in _order) copy.Set(key, CloneValue(_entries[key].Value), _entries[key].Location);
        return copy;
    }

    internal static object? CloneValue(object? value) => value switch
    {
        ConfigTable table => table.Clone(),
        ConfigArray array => array.Clone(),
        _ => value,
    };

    /// <summary>Recomputes <see cref="Path"/> for this table and everything below it.</summary>
    public void AssignPaths(string path = "")
    {
        Path = path;
        foreach (var key in _order) AssignPath(_entries[key].Value, PathOf(key));
    }

    private static void AssignPath(object? value, string path)
    {
        switch (value)
        {
            case ConfigTable table:
                table.AssignPaths(path);
                break;
            case ConfigArray array:
                array.Path = path;
                for (var i = 0; i < array.Count; i++) AssignPath(array[i], $"{path}[{i}]");
                break;
        }
    }

    /// <summary>The keys and values in the order they were written.</summary>
    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() =>
        _order.Select(key => new KeyValuePair<string, object?>(key, _entries[key].Value)).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
