namespace Runner.Sdk.Logging;

/// <summary>
/// The run's shared notice board (MMEngine's <c>MessageHub</c>), one per runner: scalars with history (losses,
/// times, learning rates, metrics, under <c>train/</c>, <c>val/</c>, <c>test/</c>) and runtime information (epoch,
/// iteration, eta, best scores…). Hooks write to it; the log processor and visualizer read it.
/// </summary>
public sealed class MessageHub
{
    private readonly Dictionary<string, HistoryBuffer> _scalars = new(StringComparer.Ordinal);
    private readonly List<string> _scalarOrder = [];
    private readonly Dictionary<string, object?> _info = new(StringComparer.Ordinal);

    /// <summary>Scalar names in the order they were first logged.</summary>
    public IReadOnlyList<string> ScalarKeys => _scalarOrder;

    /// <summary>Runtime information by key (<c>epoch</c>, <c>iter</c>, <c>eta</c>, <c>loop_stage</c>…).</summary>
    public IReadOnlyDictionary<string, object?> RuntimeInfo => _info;

    /// <summary>Adds a value to the history of <paramref name="key"/> (e.g. <c>train/loss</c>), created on first use.</summary>
    public void UpdateScalar(string key, double value, long count = 1)
    {
        if (!_scalars.TryGetValue(key, out var buffer))
        {
            _scalars[key] = buffer = new HistoryBuffer();
            _scalarOrder.Add(key);
        }
        buffer.Update(value, count);
    }

    /// <summary>The history of <paramref name="key"/>, or null when nothing was logged under it.</summary>
    public HistoryBuffer? GetScalar(string key) => _scalars.GetValueOrDefault(key);

    /// <summary>Sets runtime information <paramref name="key"/> (kept in checkpoints when it is plain data).</summary>
    public void UpdateInfo(string key, object? value) => _info[key] = value;

    /// <summary>Removes runtime information <paramref name="key"/>; false when it was not set.</summary>
    public bool RemoveInfo(string key) => _info.Remove(key);

    /// <summary>Runtime information <paramref name="key"/> as a <typeparamref name="T"/>, or <paramref name="fallback"/> when absent or of another type.</summary>
    public T? GetInfo<T>(string key, T? fallback = default) =>
        _info.TryGetValue(key, out var value) && value is T typed ? typed : fallback;

    /// <summary>Plain data for a checkpoint: the scalar histories and the plain-data runtime information.</summary>
    public Dictionary<string, object> StateDict() => new()
    {
        ["log_scalars"] = _scalarOrder.ToDictionary(key => key, key => (object)_scalars[key].StateDict()),
        ["runtime_info"] = _info.Where(kv => IsPlainData(kv.Value)).ToDictionary(kv => kv.Key, kv => kv.Value!),
    };

    /// <summary>Replaces the histories and runtime information with a checkpoint's (from <c>StateDict</c>).</summary>
    public void LoadStateDict(IReadOnlyDictionary<string, object> state)
    {
        _scalars.Clear();
        _scalarOrder.Clear();
        foreach (var (key, buffer) in (IReadOnlyDictionary<string, object>)state["log_scalars"])
        {
            _scalars[key] = HistoryBuffer.FromStateDict((IReadOnlyDictionary<string, object>)buffer);
            _scalarOrder.Add(key);
        }
        foreach (var (key, value) in (IReadOnlyDictionary<string, object>)state["runtime_info"]) _info[key] = value;
    }

    private static bool IsPlainData(object? value) => value switch
    {
        null => false,
        string or bool or long or int or double or float => true,
        IReadOnlyDictionary<string, object> map => map.Values.All(IsPlainData),
        System.Collections.IEnumerable list => list.Cast<object?>().All(IsPlainData),
        _ => false,
    };
}
