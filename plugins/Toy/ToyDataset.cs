namespace Runner.Plugins.Toy;

using Runner.Sdk.Data;
using Runner.Sdk.Registries;
using TorchSharp;
using static TorchSharp.torch;

/// <summary>
/// The toy classification data of the MMEngine reference run: <c>&lt;split&gt;_x.f32</c> (float32 [N, 32]) and
/// <c>&lt;split&gt;_y.i64</c> (int64 labels [N]), little-endian, held in memory; batches are one indexed gather.
/// </summary>
[Register]
public sealed class ToyDataset : IDataset
{
    private const int Features = 32;
    private readonly Tensor _inputs;
    private readonly Tensor _labels;

    /// <param name="split">train (4096), val (1024) or test (1024).</param>
    /// <param name="dataRoot">The folder holding the files; default: the plugin's own data folder.</param>
    public ToyDataset(string split = "train", string? dataRoot = null)
    {
        if (split is not ("train" or "val" or "test")) throw new ArgumentException($"split must be train, val or test, got \"{split}\".");
        var root = dataRoot ?? Path.Combine(Path.GetDirectoryName(typeof(ToyDataset).Assembly.Location)!, "data");
        var x = ReadFile(Path.Combine(root, $"{split}_x.f32"));
        var y = ReadFile(Path.Combine(root, $"{split}_y.i64"));
        if (x.Length % (Features * sizeof(float)) != 0 || y.Length % sizeof(long) != 0 || x.Length / (Features * sizeof(float)) != y.Length / sizeof(long))
            throw new InvalidOperationException($"The toy {split} files in {root} do not hold matching [N, 32] float32 and [N] int64 arrays.");
        var count = y.Length / sizeof(long);
        _inputs = FromBytes(x, ScalarType.Float32, [count, Features]);
        _labels = FromBytes(y, ScalarType.Int64, [count]);
        Metainfo = new Dictionary<string, object> { ["classes"] = Enumerable.Range(0, 10).Select(i => (object)i.ToString()).ToList() };
    }

    public long Count => _labels.shape[0];

    public IReadOnlyDictionary<string, object> Metainfo { get; }

    public DataBatch Get(long index) => new()
    {
        [DataBatch.InputsKey] = _inputs[index].clone(),
        [DataBatch.LabelsKey] = _labels[index].clone(),
    };

    public DataBatch GetItems(IReadOnlyList<long> indices)
    {
        using var index = torch.tensor(indices as long[] ?? [.. indices]);
        return new DataBatch
        {
            [DataBatch.InputsKey] = _inputs.index_select(0, index),
            [DataBatch.LabelsKey] = _labels.index_select(0, index),
        };
    }

    private static byte[] ReadFile(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"Cannot read toy data file '{path}': {e.Message}", e);
        }
    }

    private static Tensor FromBytes(byte[] bytes, ScalarType dtype, long[] shape)
    {
        var tensor = empty(shape, dtype).DetachFromDisposeScope();
        bytes.CopyTo(tensor.bytes);
        return tensor;
    }
}
