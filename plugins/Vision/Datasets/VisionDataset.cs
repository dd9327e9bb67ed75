using Runner.Sdk.Data;
using Runner.Plugins.Vision.Transforms;
using static TorchSharp.torch;

namespace Runner.Plugins.Vision.Datasets;

/// <summary>
/// What the vision datasets share (mmpretrain's <c>BaseDataset</c>): each sample starts as an image (<c>img</c>, uint8
/// [H, W, C], or only its path in <c>img_path</c>) and a class (<c>gt_label</c>), goes through the <c>pipeline</c> with
/// a random source of its own (seeded from the run's seed, the epoch and the index), and is packed into
/// <c>inputs</c> (uint8 [C, H, W]) and <c>labels</c> when the pipeline does not end with <see cref="PackInputs"/>.
/// The class names travel in <see cref="Metainfo"/> (and so into checkpoints as <c>dataset_meta</c>). Inference reads
/// any image file the same way: its test pipeline, after <see cref="LoadImageFromFile"/>, packed at the end.
/// </summary>
[InferencePipeline(First = typeof(LoadImageFromFile), Last = typeof(PackInputs), Extensions = [".jpg", ".jpeg", ".png", ".bmp", ".webp", ".gif"])]
public abstract class VisionDataset : IDataset
{
    private readonly SamplePipeline _pipeline;

    /// <param name="pipeline">The transforms, in order.</param>
    /// <param name="seed">The seed of the per-sample random sources (the runner passes the run's).</param>
    /// <param name="classes">The class names, in label order.</param>
    protected VisionDataset(ITransform[]? pipeline, long seed, IReadOnlyList<string> classes)
    {
        _pipeline = new SamplePipeline(pipeline, seed);
        Classes = classes;
        Metainfo = new Dictionary<string, object> { ["classes"] = classes.Cast<object>().ToList() };
    }

    /// <summary>The class names, in label order.</summary>
    public IReadOnlyList<string> Classes { get; }

    /// <inheritdoc/>
    public abstract long Count { get; }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, object> Metainfo { get; }

    /// <summary>Sample <paramref name="index"/> as stored: its tensors, and facts that are not tensors (<c>img_path</c>).</summary>
    protected abstract (DataBatch Sample, Dictionary<string, object> Info) Raw(long index);

    /// <inheritdoc/>
    public DataBatch Get(long index) => Prepare(index, epoch: 0);

    /// <inheritdoc/>
    public DataBatch GetItems(IReadOnlyList<long> indices) => GetItems(indices, epoch: 0);

    /// <inheritdoc/>
    public DataBatch GetItems(IReadOnlyList<long> indices, int epoch)
    {
        var samples = new List<DataBatch>(indices.Count);
        try
        {
            foreach (var index in indices) samples.Add(Prepare(index, epoch));
            return DataBatch.Stack(samples);
        }
        finally
        {
            foreach (var sample in samples) sample.Dispose();
        }
    }

    private DataBatch Prepare(long index, int epoch)
    {
        if (index < 0 || index >= Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"the dataset has {Count} samples.");
        using var scope = NewDisposeScope();
        var (sample, info) = Raw(index);
        var prepared = _pipeline.Apply(sample, index, epoch, info);
        if (!prepared.ContainsKey(DataBatch.InputsKey)) prepared = PackInputs.Pack(prepared, info);
        foreach (var (_, tensor) in prepared) tensor.MoveToOuterDisposeScope();
        prepared.SampleInfo = [info];
        return prepared;
    }

    /// <summary>The file <paramref name="name"/> in <paramref name="dataRoot"/>, which must exist; the error says where the format is described.</summary>
    protected static string RequireFile(string dataRoot, string name, string format)
    {
        var path = Path.Combine(dataRoot, name);
        if (!File.Exists(path))
            throw new ArgumentException($"'{path}' does not exist: data_root must hold the {format} files as distributed ({FormatHelp(format)}).", "dataRoot");
        return path;
    }

    private static string FormatHelp(string format) => format switch
    {
        "CIFAR-10" => "cifar-10-batches-bin from https://www.cs.toronto.edu/~kriz/cifar.html, unpacked",
        "CIFAR-100" => "cifar-100-binary from https://www.cs.toronto.edu/~kriz/cifar.html, unpacked",
        _ => "the IDX files from http://yann.lecun.com/exdb/mnist/ or Fashion-MNIST's repository, gzipped or not",
    };

    /// <summary>One label as a 0-dimensional int64 tensor.</summary>
    protected static Tensor Label(long label) => tensor(label, dtype: ScalarType.Int64);
}
