namespace Runner.Sdk.Data;

using System.Collections;
using static TorchSharp.torch;

/// <summary>
/// Named tensors: one sample from a dataset, a collated batch (leading batch dimension), or a model's predictions.
/// The conventional keys are <see cref="InputsKey"/> and <see cref="LabelsKey"/> (MMEngine's <c>inputs</c> and
/// <c>data_samples</c>), and <see cref="ScoresKey"/> / <see cref="PredLabelKey"/> for predictions.
/// </summary>
public sealed class DataBatch : IDisposable, IEnumerable<KeyValuePair<string, Tensor>>
{
    public const string InputsKey = "inputs";
    public const string LabelsKey = "labels";
    public const string ScoresKey = "scores";
    public const string PredLabelKey = "pred_label";

    private readonly Dictionary<string, Tensor> _fields = new(StringComparer.Ordinal);

    public DataBatch() { }

    public DataBatch(IEnumerable<KeyValuePair<string, Tensor>> fields)
    {
        foreach (var (key, value) in fields) _fields[key] = value;
    }

    public Tensor this[string key]
    {
        get => _fields.TryGetValue(key, out var value) ? value
            : throw new KeyNotFoundException($"The batch has no field '{key}' (fields: {string.Join(", ", _fields.Keys)}).");
        set => _fields[key] = value;
    }

    public IEnumerable<string> Keys => _fields.Keys;

    public bool TryGet(string key, out Tensor value) => _fields.TryGetValue(key, out value!);

    public bool ContainsKey(string key) => _fields.ContainsKey(key);

    /// <summary>The <c>inputs</c> field.</summary>
    public Tensor Inputs => this[InputsKey];

    /// <summary>The size of the leading dimension of the first field (the batch size of a collated batch).</summary>
    public long Count => _fields.Count == 0 ? 0 : _fields.Values.First().shape is { Length: > 0 } shape ? shape[0] : 1;

    /// <summary>A new batch with <paramref name="map"/> applied to every field.</summary>
    public DataBatch Select(Func<string, Tensor, Tensor> map) =>
        new(_fields.Select(kv => new KeyValuePair<string, Tensor>(kv.Key, map(kv.Key, kv.Value))));

    /// <summary>Stacks samples into a batch (PyTorch's <c>default_collate</c>): each field gets a leading batch dimension.</summary>
    public static DataBatch Stack(IReadOnlyList<DataBatch> samples)
    {
        ArgumentOutOfRangeException.ThrowIfZero(samples.Count);
        var batch = new DataBatch();
        foreach (var key in samples[0].Keys)
            batch[key] = stack(samples.Select(sample => sample[key]).ToArray());
        return batch;
    }

    public void Dispose()
    {
        foreach (var tensor in _fields.Values) tensor.Dispose();
        _fields.Clear();
    }

    public IEnumerator<KeyValuePair<string, Tensor>> GetEnumerator() => _fields.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
