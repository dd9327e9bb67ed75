using Runner.Sdk.Data;
using Runner.Sdk.Registries;
using static TorchSharp.torch;

namespace Runner.Plugins.Vision.Datasets;

/// <summary>
/// CIFAR-10 in its binary distribution (<c>cifar-10-batches-bin</c>: <c>data_batch_1.bin</c>…<c>data_batch_5.bin</c>,
/// <c>test_batch.bin</c>, <c>batches.meta.txt</c>), read from <c>data_root</c> (nothing is downloaded) into memory.
/// Each record is a label byte and a 32×32 RGB image as three 1,024-byte planes.
/// </summary>
/// <example><code>dataset = { type = "CIFAR10", data_root = "data/cifar-10-batches-bin", split = "train" }</code></example>
[Register]
public sealed class CIFAR10 : RecordsDataset
{
    /// <param name="dataRoot">The unpacked <c>cifar-10-batches-bin</c> folder.</param>
    /// <param name="split"><c>train</c> (50,000 images) or <c>test</c> (10,000).</param>
    /// <param name="pipeline">The transforms.</param>
    /// <param name="seed">The seed of the per-sample random sources (the runner passes the run's).</param>
    public CIFAR10(string dataRoot, string split = "train", ITransform[]? pipeline = null, long seed = 0)
        : base(CifarRecords.Read(dataRoot, Files(dataRoot, split), labelBytes: 1, "CIFAR-10", classCount: 10), ClassNames(dataRoot, "batches.meta.txt", 10), pipeline, seed)
    {
    }

    private static string[] Files(string dataRoot, string split) => split switch
    {
        "train" => Enumerable.Range(1, 5).Select(i => RequireFile(dataRoot, $"data_batch_{i}.bin", "CIFAR-10")).ToArray(),
        "test" => [RequireFile(dataRoot, "test_batch.bin", "CIFAR-10")],
        _ => throw UnknownSplit(split),
    };

    /// <summary>The names in <paramref name="file"/> (one per line) when it is there, else 0…<paramref name="count"/>-1.</summary>
    internal static IReadOnlyList<string> ClassNames(string dataRoot, string file, int count)
    {
        var path = Path.Combine(dataRoot, file);
        var names = File.Exists(path) ? File.ReadLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToList() : [];
        return names.Count == count ? names : Enumerable.Range(0, count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
    }
}

/// <summary>
/// CIFAR-100 in its binary distribution (<c>cifar-100-binary</c>: <c>train.bin</c>, <c>test.bin</c>,
/// <c>fine_label_names.txt</c>): each record is a coarse and a fine label byte and a 32×32 RGB image. Labels are the
/// 100 fine classes, or the 20 coarse ones with <c>coarse = true</c>.
/// </summary>
[Register]
public sealed class CIFAR100 : RecordsDataset
{
    /// <param name="dataRoot">The unpacked <c>cifar-100-binary</c> folder.</param>
    /// <param name="split"><c>train</c> (50,000 images) or <c>test</c> (10,000).</param>
    /// <param name="coarse">Label with the 20 superclasses instead of the 100 classes.</param>
    /// <param name="pipeline">The transforms.</param>
    /// <param name="seed">The seed of the per-sample random sources (the runner passes the run's).</param>
    public CIFAR100(string dataRoot, string split = "train", bool coarse = false, ITransform[]? pipeline = null, long seed = 0)
        : base(CifarRecords.Read(dataRoot, [File(dataRoot, split)], labelBytes: 2, "CIFAR-100", classCount: coarse ? 20 : 100, labelByte: coarse ? 0 : 1),
            CIFAR10.ClassNames(dataRoot, coarse ? "coarse_label_names.txt" : "fine_label_names.txt", coarse ? 20 : 100), pipeline, seed)
    {
    }

    private static string File(string dataRoot, string split) => split is "train" or "test"
        ? RequireFile(dataRoot, split + ".bin", "CIFAR-100")
        : throw UnknownSplit(split);
}

/// <summary>CIFAR records held in memory: images uint8 [N, 3, 32, 32] and labels.</summary>
internal sealed class CifarRecords : IImageRecords
{
    private const int ImageBytes = 3 * 32 * 32;
    private readonly Tensor _images;
    private readonly long[] _labels;

    private CifarRecords(Tensor images, long[] labels)
    {
        _images = images;
        _labels = labels;
    }

    public long Count => _labels.Length;

    /// <summary>
    /// Reads every record of <paramref name="files"/>; a file whose length is not a whole number of records, or with a
    /// label of <paramref name="classCount"/> or more, is an error naming it.
    /// </summary>
    public static CifarRecords Read(string dataRoot, string[] files, int labelBytes, string format, int classCount, int labelByte = 0)
    {
        var record = labelBytes + ImageBytes;
        // The files' real sizes (a link's target's); a device or a FIFO is refused before anything is read.
        long[] lengths;
        try
        {
            lengths = files.Select(DataFile.SizeOf).ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new ArgumentException(e.Message, nameof(dataRoot), e);
        }
        for (var i = 0; i < files.Length; i++)
        {
            if (lengths[i] == 0 || lengths[i] % record != 0)
                throw new ArgumentException($"'{files[i]}' is {lengths[i]:N0} bytes, not a whole number of {format} records of {record:N0} bytes: it is truncated or not a {format} file.", nameof(dataRoot));
        }
        var count = lengths.Sum() / record;
        if (count * ImageBytes > Array.MaxLength)
            throw new ArgumentException($"'{dataRoot}' holds {count:N0} {format} records, more than one in-memory array of images holds ({Array.MaxLength / ImageBytes:N0}): these are not {format} files.", nameof(dataRoot));
        var pixels = new byte[count * ImageBytes];
        var labels = new long[count];
        long n = 0;
        foreach (var file in files)
        {
            var bytes = System.IO.File.ReadAllBytes(file);
            for (var offset = 0; offset < bytes.Length; offset += record, n++)
            {
                labels[n] = bytes[offset + labelByte];
                if (labels[n] >= classCount)
                    throw new ArgumentException($"'{file}' record {offset / record:N0} has label {labels[n]}, but {format} has {classCount} classes (0–{classCount - 1}): the file is damaged or not a {format} file.", nameof(dataRoot));
                Buffer.BlockCopy(bytes, offset + labelBytes, pixels, (int)(n * ImageBytes), ImageBytes);
            }
        }
        return new CifarRecords(tensor(pixels, dtype: ScalarType.Byte).view(count, 3, 32, 32), labels);
    }

    /// <summary>Record <paramref name="index"/>: <c>img</c> uint8 [32, 32, 3] (a view) and <c>gt_label</c>.</summary>
    public (DataBatch, Dictionary<string, object>) Sample(long index) =>
        (new DataBatch { ["img"] = _images[index].permute(1, 2, 0), ["gt_label"] = tensor(_labels[index], dtype: ScalarType.Int64) },
            new Dictionary<string, object>(StringComparer.Ordinal));
}
