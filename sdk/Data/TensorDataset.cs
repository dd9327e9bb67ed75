using TorchSharp;
using static TorchSharp.torch;

namespace Runner.Sdk.Data;

/// <summary>
/// A dataset held in memory as named tensors that share their first dimension (PyTorch's <c>TensorDataset</c>):
/// a sample is one row of each, a batch one indexed gather of each.
/// </summary>
public class TensorDataset : IDataset
{
    private readonly Dictionary<string, Tensor> _fields;

    /// <param name="fields">The tensors, e.g. <c>inputs</c> [N, …] and <c>labels</c> [N]; the dataset keeps them for its lifetime.</param>
    /// <param name="metainfo">Facts about the data (class names…).</param>
    public TensorDataset(IReadOnlyDictionary<string, Tensor> fields, IReadOnlyDictionary<string, object>? metainfo = null)
    {
        if (fields.Count == 0) throw new ArgumentException("a tensor dataset needs at least one field.");
        var count = fields.Values.First().shape[0];
        if (fields.Values.Any(t => t.dim() == 0 || t.shape[0] != count))
            throw new ArgumentException("every field of a tensor dataset must have the same first dimension.");
        _fields = fields.ToDictionary(kv => kv.Key, kv => kv.Value.DetachFromDisposeScope(), StringComparer.Ordinal);
        Count = count;
        Metainfo = metainfo ?? new Dictionary<string, object>();
    }

    /// <summary>The number of samples.</summary>
    public long Count { get; }

    /// <summary>The dataset's meta information (e.g. <c>classes</c>), as given.</summary>
    public IReadOnlyDictionary<string, object> Metainfo { get; }

    /// <summary>Sample <paramref name="index"/>: a copy of row <paramref name="index"/> of every field.</summary>
    public DataBatch Get(long index) => new(_fields.Select(kv => KeyValuePair.Create(kv.Key, kv.Value[index].clone())));

    /// <summary>The samples at <paramref name="indices"/>, collated (rows gathered in one copy per field).</summary>
    public DataBatch GetItems(IReadOnlyList<long> indices)
    {
        using var index = torch.tensor(indices as long[] ?? [.. indices]);
        return new DataBatch(_fields.Select(kv => KeyValuePair.Create(kv.Key, kv.Value.index_select(0, index))));
    }
}
