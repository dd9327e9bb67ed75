using Runner.Sdk.Data;

namespace Runner.Plugins.Vision.Datasets;

/// <summary>A vision dataset whose images are held in memory as records (CIFAR, MNIST).</summary>
public abstract class RecordsDataset : VisionDataset
{
    private readonly IImageRecords _records;

    private protected RecordsDataset(IImageRecords records, IReadOnlyList<string> classes, ITransform[]? pipeline, long seed)
        : base(pipeline, seed, classes) => _records = records;

    /// <summary>The error for a <c>split</c> other than the two the binary formats have.</summary>
    internal static ArgumentException UnknownSplit(string split) =>
        new($"must be \"train\" or \"test\", got \"{split}\".", nameof(split));

    /// <inheritdoc/>
    public override long Count => _records.Count;

    /// <inheritdoc/>
    protected override (DataBatch Sample, Dictionary<string, object> Info) Raw(long index) => _records.Sample(index);
}

/// <summary>Images and labels read from a binary format into memory.</summary>
internal interface IImageRecords
{
    /// <summary>The number of records.</summary>
    long Count { get; }

    /// <summary>Record <paramref name="index"/>: <c>img</c> uint8 [H, W, C] and <c>gt_label</c>.</summary>
    (DataBatch Sample, Dictionary<string, object> Info) Sample(long index);
}
