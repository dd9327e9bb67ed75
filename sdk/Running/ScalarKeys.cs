namespace Runner.Sdk.Running;

/// <summary>
/// The message-hub keys <c>mode/name</c> (<c>train/loss</c>, <c>val/time</c>…), each made once: the per-iteration
/// hooks update the same few scalars thousands of times, and a new string for each update is garbage.
/// </summary>
internal sealed class ScalarKeys
{
    private readonly Dictionary<(Mode Mode, string Name), string> _keys = [];

    public string Of(Mode mode, string name)
    {
        if (!_keys.TryGetValue((mode, name), out var key)) _keys[(mode, name)] = key = mode.Key() + "/" + name;
        return key;
    }
}
