using Runner.Sdk.Registries;

namespace Runner.Sdk.Data;

/// <summary>A map-style dataset (MMEngine's <c>BaseDataset</c>, PyTorch's <c>Dataset</c>).</summary>
[ComponentKind("dataset", 2)]
public interface IDataset
{
    /// <summary>The number of samples.</summary>
    long Count { get; }

    /// <summary>Plain-data facts about the dataset (class names, palette…): stored in checkpoints and given to metrics.</summary>
    IReadOnlyDictionary<string, object> Metainfo => new Dictionary<string, object>();

    /// <summary>One sample, without a batch dimension.</summary>
    DataBatch Get(long index);

    /// <summary>
    /// Several samples collated into one batch (PyTorch's <c>__getitems__</c>). The default stacks <see cref="Get"/>;
    /// datasets held in memory override it with one indexed gather, which is much faster.
    /// </summary>
    DataBatch GetItems(IReadOnlyList<long> indices)
    {
        var samples = indices.Select(Get).ToList();
        try
        {
            return DataBatch.Stack(samples);
        }
        finally
        {
            foreach (var sample in samples) sample.Dispose();
        }
    }

    /// <summary>
    /// Several samples drawn for <paramref name="epoch"/>, collated: what the dataloader calls. The default ignores
    /// the epoch (<see cref="GetItems(IReadOnlyList{long})"/>); a dataset with a random pipeline
    /// (<see cref="SamplePipeline"/>) overrides it, so each epoch draws its own augmentations.
    /// </summary>
    DataBatch GetItems(IReadOnlyList<long> indices, int epoch) => GetItems(indices);
}
