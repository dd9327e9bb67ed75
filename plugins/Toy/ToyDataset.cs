using Runner.Sdk.Data;
using Runner.Sdk.Registries;
using static TorchSharp.torch;

namespace Runner.Plugins.Toy;

/// <summary>
/// The toy classification data of the MMEngine reference run: <c>&lt;split&gt;_x.f32</c> (float32 [N, 32]) and
/// <c>&lt;split&gt;_y.i64</c> (int64 labels [N]), little-endian, held in memory.
/// </summary>
[Register]
public sealed class ToyDataset : TensorDataset
{
    private const int Features = 32;

    /// <param name="files">This plugin's files (given by the runner).</param>
    /// <param name="split">train (4096), val (1024) or test (1024).</param>
    /// <param name="dataRoot">The folder holding the files; default: the plugin's own data folder.</param>
    public ToyDataset(PluginFiles files, string split = "train", string? dataRoot = null)
        : base(Load(split, dataRoot ?? files.PathOf("data")),
            new Dictionary<string, object> { ["classes"] = Enumerable.Range(0, 10).Select(i => (object)i.ToString()).ToList() })
    {
    }

    private static Dictionary<string, Tensor> Load(string split, string root)
    {
        if (split is not ("train" or "val" or "test")) throw new ArgumentException($"split must be train, val or test, got \"{split}\".");
        var x = ReadFile(Path.Combine(root, $"{split}_x.f32"));
        var y = ReadFile(Path.Combine(root, $"{split}_y.i64"));
        var count = y.Length / sizeof(long);
        if (x.Length % (Features * sizeof(float)) != 0 || y.Length % sizeof(long) != 0 || x.Length / (Features * sizeof(float)) != count)
            throw new InvalidOperationException($"The toy {split} files in {root} do not hold matching [N, 32] float32 and [N] int64 arrays.");
        return new Dictionary<string, Tensor>
        {
            [DataBatch.InputsKey] = FromBytes(x, ScalarType.Float32, [count, Features]),
            [DataBatch.LabelsKey] = FromBytes(y, ScalarType.Int64, [count]),
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
        var tensor = empty(shape, dtype);
        bytes.CopyTo(tensor.bytes);
        return tensor;
    }
}
