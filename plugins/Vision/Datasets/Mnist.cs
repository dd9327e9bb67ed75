using System.Buffers.Binary;
using System.IO.Compression;
using Runner.Sdk.Data;
using Runner.Sdk.Registries;
using static TorchSharp.torch;

namespace Runner.Plugins.Vision.Datasets;

/// <summary>
/// MNIST in its IDX files (<c>train-images-idx3-ubyte</c>, <c>train-labels-idx1-ubyte</c>, <c>t10k-…</c>; gzipped
/// or not), read from <c>data_root</c> (nothing is downloaded) into memory. Images are 28×28 grey (<c>img</c> [28, 28, 1]).
/// </summary>
/// <example><code>dataset = { type = "MNIST", data_root = "data/mnist", split = "test" }</code></example>
[Register]
public sealed class MNIST : RecordsDataset
{
    /// <param name="dataRoot">The folder of the four IDX files.</param>
    /// <param name="split"><c>train</c> (60,000 images) or <c>test</c> (10,000).</param>
    /// <param name="pipeline">The transforms.</param>
    /// <param name="seed">The seed of the per-sample random sources (the runner passes the run's).</param>
    public MNIST(string dataRoot, string split = "train", ITransform[]? pipeline = null, long seed = 0)
        : base(IdxRecords.Read(dataRoot, split, "MNIST"), Enumerable.Range(0, 10).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList(), pipeline, seed)
    {
    }
}

/// <summary>Fashion-MNIST: MNIST's file format and sizes, ten kinds of clothing.</summary>
[Register]
public sealed class FashionMNIST : RecordsDataset
{
    private static readonly string[] Names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <param name="dataRoot">The folder of the four IDX files.</param>
    /// <param name="split"><c>train</c> (60,000 images) or <c>test</c> (10,000).</param>
    /// <param name="pipeline">The transforms.</param>
    /// <param name="seed">The seed of the per-sample random sources (the runner passes the run's).</param>
    public FashionMNIST(string dataRoot, string split = "train", ITransform[]? pipeline = null, long seed = 0)
        : base(IdxRecords.Read(dataRoot, split, "Fashion-MNIST"), Names, pipeline, seed)
    {
    }
}

/// <summary>IDX image and label files held in memory: images uint8 [N, H, W], labels.</summary>
internal sealed class IdxRecords : IImageRecords
{
    private readonly Tensor _images;
    private readonly byte[] _labels;

    private IdxRecords(Tensor images, byte[] labels)
    {
        _images = images;
        _labels = labels;
    }

    public long Count => _labels.Length;

    public static IdxRecords Read(string dataRoot, string split, string format)
    {
        var prefix = split switch
        {
            "train" => "train",
            "test" => "t10k",
            _ => throw RecordsDataset.UnknownSplit(split),
        };
        var imageFile = Find(dataRoot, $"{prefix}-images-idx3-ubyte", format);
        var labelFile = Find(dataRoot, $"{prefix}-labels-idx1-ubyte", format);
        var images = ReadIdx(imageFile, expectedDims: 3);
        var labels = ReadIdx(labelFile, expectedDims: 1);
        if (images.Dims[0] != labels.Dims[0])
            throw new ArgumentException($"'{imageFile}' holds {images.Dims[0]:N0} images but '{labelFile}' {labels.Dims[0]:N0} labels.", nameof(dataRoot));
        var badLabel = Array.FindIndex(labels.Data, label => label >= 10);
        if (badLabel >= 0)
            throw new ArgumentException($"'{labelFile}' gives sample {badLabel:N0} label {labels.Data[badLabel]}, but {format} has 10 classes (0–9): the file is damaged.", nameof(dataRoot));
        var (count, rows, cols) = (images.Dims[0], images.Dims[1], images.Dims[2]);
        return new IdxRecords(tensor(images.Data, dtype: ScalarType.Byte).view(count, rows, cols), labels.Data);
    }

    /// <summary>Record <paramref name="index"/>: <c>img</c> uint8 [H, W, 1] (a view) and <c>gt_label</c>.</summary>
    public (DataBatch, Dictionary<string, object>) Sample(long index) =>
        (new DataBatch { ["img"] = _images[index].unsqueeze(2), ["gt_label"] = tensor((long)_labels[index], dtype: ScalarType.Int64) },
            new Dictionary<string, object>(StringComparer.Ordinal));

    private static string Find(string dataRoot, string name, string format)
    {
        foreach (var candidate in new[] { name, name + ".gz", name.Replace("-idx", ".idx", StringComparison.Ordinal), name.Replace("-idx", ".idx", StringComparison.Ordinal) + ".gz" })
        {
            var path = Path.Combine(dataRoot, candidate);
            if (File.Exists(path)) return path;
        }
        throw new ArgumentException($"'{Path.Combine(dataRoot, name)}' (or .gz) does not exist: data_root must hold the {format} IDX files as distributed " +
            "(http://yann.lecun.com/exdb/mnist/, https://github.com/zalandoresearch/fashion-mnist).", nameof(dataRoot));
    }

    /// <summary>
    /// An IDX file of unsigned bytes: magic 0x0000 0x08 &lt;dims&gt;, big-endian sizes, then the data. The sizes are
    /// checked before the data is read, and only as many bytes as they promise are read (a gzip file that inflates
    /// to more is an error, not a memory exhaustion).
    /// </summary>
    private static (int[] Dims, byte[] Data) ReadIdx(string path, int expectedDims)
    {
        try
        {
            DataFile.SizeOf(path); // a regular file, links followed: a device or a FIFO is refused before it is opened
        }
        catch (InvalidDataException e)
        {
            throw new ArgumentException(e.Message, "dataRoot", e);
        }
        try
        {
            using var file = File.OpenRead(path);
            using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
            var header = new byte[4 + 4 * expectedDims];
            var headerRead = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
            if (headerRead < header.Length || header[0] != 0 || header[1] != 0 || header[2] != 0x08 || header[3] != expectedDims)
                throw new ArgumentException($"'{path}' is not an IDX file of bytes with {expectedDims} dimension(s) (its header is wrong).", "dataRoot");
            var dims = Enumerable.Range(0, expectedDims).Select(i => BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4 + 4 * i))).ToArray();
            var shape = string.Join(" × ", dims.Select(d => d.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)));
            if (dims.Any(d => d <= 0))
                throw new ArgumentException($"'{path}' has sizes {shape} in its header: it is damaged.", "dataRoot");
            var size = dims.Aggregate(1L, (a, d) => a * d);
            if (size > Array.MaxLength)
                throw new ArgumentException($"'{path}' claims {size:N0} bytes of data ({shape}), more than one in-memory array holds: it is damaged or not an MNIST file.", "dataRoot");
            var data = new byte[size];
            var dataRead = stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
            var extra = dataRead == data.Length && stream.ReadByte() >= 0;
            if (dataRead < data.Length || extra)
                throw new ArgumentException($"'{path}' should hold {size:N0} bytes of data after its header ({shape}), but holds " +
                    (extra ? "more" : $"{dataRead:N0}") + ": it is truncated or damaged.", "dataRoot");
            return (dims, data);
        }
        catch (InvalidDataException e)
        {
            throw new ArgumentException($"'{path}' is not a valid gzip file: {e.Message}", "dataRoot", e);
        }
        catch (IOException e)
        {
            throw new ArgumentException($"cannot read '{path}': {e.Message}", "dataRoot", e);
        }
    }
}
