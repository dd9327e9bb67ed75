using System.Collections;
using static TorchSharp.torch;

namespace Runner.Sdk.Data;

/// <summary>
/// Named tensors: one sample from a dataset, a collated batch (leading batch dimension), or a model's predictions.
/// The conventional keys are <see cref="InputsKey"/> and <see cref="LabelsKey"/> (MMEngine's <c>inputs</c> and
/// <c>data_samples</c>), and <see cref="ScoresKey"/> / <see cref="PredLabelKey"/> for predictions.
/// </summary>
public sealed class DataBatch : IDisposable, IEnumerable<KeyValuePair<string, Tensor>>
{
    /// <summary>The field holding the model's inputs.</summary>
    public const string InputsKey = "inputs";
    /// <summary>The field holding the ground-truth labels.</summary>
    public const string LabelsKey = "labels";
    /// <summary>The field a classifier's predictions put its class scores in (the logits, before softmax).</summary>
    public const string ScoresKey = "scores";
    /// <summary>The field a classifier's predictions put its class probabilities in (mmpretrain's <c>pred_score</c>: softmax of the scores).</summary>
    public const string PredScoreKey = "pred_score";
    /// <summary>The field a classifier's predictions put its predicted classes in.</summary>
    public const string PredLabelKey = "pred_label";

    private readonly Dictionary<string, Tensor> _fields = new(StringComparer.Ordinal);

    /// <summary>An empty batch.</summary>
    public DataBatch() { }

    /// <summary>A batch of the given fields; it takes ownership of the tensors.</summary>
    public DataBatch(IEnumerable<KeyValuePair<string, Tensor>> fields)
    {
        foreach (var (key, value) in fields) _fields[key] = value;
    }

    /// <summary>The field <paramref name="key"/>; a missing field is an error naming the fields there are. Setting a field replaces (and disposes) the one there was.</summary>
    public Tensor this[string key]
    {
        get => _fields.TryGetValue(key, out var value) ? value
            : throw new KeyNotFoundException($"The batch has no field '{key}' (fields: {string.Join(", ", _fields.Keys)}).");
        set => _fields[key] = value;
    }

    /// <summary>The field names.</summary>
    public IEnumerable<string> Keys => _fields.Keys;

    /// <summary>Gets the field <paramref name="key"/> when the batch has it.</summary>
    public bool TryGet(string key, out Tensor value) => _fields.TryGetValue(key, out value!);

    /// <summary>Whether the batch has the field <paramref name="key"/>.</summary>
    public bool ContainsKey(string key) => _fields.ContainsKey(key);

    /// <summary>
    /// Facts about each sample that are not tensors (the metainfo of MMEngine's data samples: <c>img_path</c>,
    /// <c>ori_shape</c>…), one dictionary per sample in batch order, as the dataset gave them; null when it gave none.
    /// Prediction records name a sample by its <c>img_path</c> from here.
    /// </summary>
    public IReadOnlyList<IReadOnlyDictionary<string, object>>? SampleInfo { get; set; }

    /// <summary>The samples' indices in their dataset, in batch order (set by the <see cref="DataLoader"/>); null for a batch made otherwise.</summary>
    public IReadOnlyList<long>? SampleIndices { get; set; }

    /// <summary>The <c>inputs</c> field.</summary>
    public Tensor Inputs => this[InputsKey];

    /// <summary>The size of the leading dimension of the first field (the batch size of a collated batch).</summary>
    public long Count => _fields.Count == 0 ? 0 : _fields.Values.First().shape is { Length: > 0 } shape ? shape[0] : 1;

    /// <summary>A new batch with <paramref name="map"/> applied to every field.</summary>
    /// <remarks>The new batch keeps <see cref="SampleInfo"/> and <see cref="SampleIndices"/>.</remarks>
    public DataBatch Select(Func<string, Tensor, Tensor> map) =>
        new(_fields.Select(kv => new KeyValuePair<string, Tensor>(kv.Key, map(kv.Key, kv.Value)))) { SampleInfo = SampleInfo, SampleIndices = SampleIndices };

    /// <summary>
    /// Stacks samples into a batch (PyTorch's <c>default_collate</c>): each field gets a leading batch dimension, and
    /// the samples' <see cref="SampleInfo"/> are listed in order (when every sample has it).
    /// </summary>
    public static DataBatch Stack(IReadOnlyList<DataBatch> samples)
    {
        ArgumentOutOfRangeException.ThrowIfZero(samples.Count);
        var batch = new DataBatch();
        foreach (var key in samples[0].Keys)
            batch[key] = stack(samples.Select(sample => sample[key]).ToArray());
        if (samples.All(sample => sample.SampleInfo is not null)) batch.SampleInfo = samples.SelectMany(sample => sample.SampleInfo!).ToList();
        return batch;
    }

    /// <summary>Disposes every field's tensor.</summary>
    public void Dispose()
    {
        foreach (var tensor in _fields.Values) tensor.Dispose();
        _fields.Clear();
    }

    /// <summary>The fields and their tensors.</summary>
    public IEnumerator<KeyValuePair<string, Tensor>> GetEnumerator() => _fields.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
