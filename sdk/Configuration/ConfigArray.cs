namespace Runner.Sdk.Configuration;

using System.Collections;

/// <summary>A TOML array in a config, remembering where each item was written.</summary>
public sealed class ConfigArray : IReadOnlyList<object?>
{
    private readonly List<object?> _items = [];
    private readonly List<SourceLocation?> _locations = [];

    public ConfigArray(SourceLocation? location = null) => Location = location;

    /// <summary>Where the array starts.</summary>
    public SourceLocation? Location { get; }

    /// <summary>The dotted key path of the array (e.g. <c>custom_hooks</c>).</summary>
    public string Path { get; internal set; } = "";

    public int Count => _items.Count;

    public object? this[int index] => _items[index];

    public void Add(object? value, SourceLocation? location = null)
    {
        Interlocked.Increment(ref ConfigTable.Changes);
        _items.Add(value);
        _locations.Add(location ?? Location);
    }

    public SourceLocation? LocationOf(int index) => _locations[index] ?? Location;

    public ConfigArray Clone()
    {
        var copy = new ConfigArray(Location) { Path = Path };
        for (var i = 0; i < _items.Count; i++) copy.Add(ConfigTable.CloneValue(_items[i]), _locations[i]);
        return copy;
    }

    public IEnumerator<object?> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
