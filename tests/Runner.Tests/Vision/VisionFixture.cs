using Runner.Tests.Support;
using System.IO.Compression;
using Runner.Sdk.Configuration;
using Runner.Sdk.Data;
using Runner.Sdk.Registries;
using SkiaSharp;

namespace Runner.Tests.Vision;

/// <summary>The vision plugin as the host loads it, and small data files in each format, written by the tests.</summary>
internal static class VisionFixture
{
    /// <summary>Builds the component a TOML table describes, in the vision scope.</summary>
    public static T Build<T>(string toml, params object[] services) where T : class
    {
        var builder = new ComponentBuilder(BuiltinPlugins.Registries, "vision");
        builder.Services.AddRange(services);
        return builder.Build<T>(ConfigLoader.Parse(toml))!;
    }

    /// <summary>The vision plugin's <c>ConfusionMatrixFigure.Render</c>, reached through the plugin as the host loaded it.</summary>
    public static byte[] RenderConfusionMatrix(long[,] matrix, string[] names, string title, bool withText = true)
    {
        var plugin = BuiltinPlugins.Registries.Registries.SelectMany(r => r.AllEntries()).First(e => e.Name == "ConfusionMatrix").Type.Assembly;
        var figure = plugin.GetType("Runner.Plugins.Vision.Metrics.ConfusionMatrixFigure", throwOnError: true)!;
        return (byte[])figure.GetMethod("Render")!.Invoke(null, [matrix, names, title, withText])!;
    }

    /// <summary>A PNG as the vision pipeline packs it, decoded here independently: uint8 [3, H, W], RGB.</summary>
    public static TorchSharp.torch.Tensor ReadPng(string path)
    {
        using var bitmap = SKBitmap.Decode(path);
        using var rgba = bitmap.Copy(SKColorType.Rgba8888);
        var pixels = rgba.Bytes;
        using var image = TorchSharp.torch.tensor(pixels, dtype: TorchSharp.torch.ScalarType.Byte).view(rgba.Height, rgba.Width, 4);
        return image.narrow(2, 0, 3).permute(2, 0, 1).contiguous();
    }

    /// <summary>A TOML string literal of <paramref name="path"/>.</summary>
    public static string Quoted(string path) => "'" + path + "'";

    /// <summary>CIFAR-10 batch files of <paramref name="perFile"/> records each; record r of file f has label (f + r) % 10
    /// and every byte of its image equal to (f * 16 + r) for R, +1 for G, +2 for B.</summary>
    public static string WriteCifar10(int perFile = 2)
    {
        var root = TestEnvironment.NewTempDir("cifar10");
        var names = Enumerable.Range(1, 5).Select(i => $"data_batch_{i}.bin").Append("test_batch.bin").ToList();
        for (var f = 0; f < names.Count; f++)
        {
            var bytes = new List<byte>();
            for (var r = 0; r < perFile; r++)
            {
                bytes.Add((byte)((f + r) % 10));
                for (var plane = 0; plane < 3; plane++) bytes.AddRange(Enumerable.Repeat((byte)(f * 16 + r + plane), 1024));
            }
            File.WriteAllBytes(Path.Combine(root, names[f]), bytes.ToArray());
        }
        File.WriteAllLines(Path.Combine(root, "batches.meta.txt"), ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck", ""]);
        return root;
    }

    /// <summary>MNIST IDX files (gzipped when <paramref name="gzip"/>): image i is filled with i * 10, label i % 10.</summary>
    public static string WriteMnist(int count, bool gzip)
    {
        var root = TestEnvironment.NewTempDir("mnist");
        foreach (var prefix in new[] { "train", "t10k" })
        {
            var images = new List<byte> { 0, 0, 8, 3 };
            images.AddRange(BigEndian(count).Concat(BigEndian(28)).Concat(BigEndian(28)));
            for (var i = 0; i < count; i++) images.AddRange(Enumerable.Repeat((byte)(i * 10), 28 * 28));
            var labels = new List<byte> { 0, 0, 8, 1 };
            labels.AddRange(BigEndian(count));
            labels.AddRange(Enumerable.Range(0, count).Select(i => (byte)(i % 10)));
            Write(Path.Combine(root, $"{prefix}-images-idx3-ubyte"), images.ToArray(), gzip);
            Write(Path.Combine(root, $"{prefix}-labels-idx1-ubyte"), labels.ToArray(), gzip);
        }
        return root;
    }

    /// <summary>Class folders <c>cats</c> and <c>dogs</c> of <paramref name="perClass"/> PNGs, width 12 × height 8,
    /// filled with a colour per image: red = 40 * class + 10 * index, green = 200, blue = 30.</summary>
    public static string WriteImageFolder(int perClass = 3)
    {
        var root = TestEnvironment.NewTempDir("images");
        string[] classes = ["cats", "dogs"];
        for (var c = 0; c < classes.Length; c++)
        {
            Directory.CreateDirectory(Path.Combine(root, classes[c]));
            for (var i = 0; i < perClass; i++) WritePng(Path.Combine(root, classes[c], $"{i}.png"), 12, 8, new SKColor((byte)(40 * c + 10 * i), 200, 30));
        }
        return root;
    }

    /// <summary>A PNG of one colour.</summary>
    public static void WritePng(string path, int width, int height, SKColor color)
    {
        using var bitmap = new SKBitmap(width, height);
        bitmap.Erase(color);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
    }

    /// <summary>A PNG of varied pixels (so it compresses little, and half of it is still a valid header).</summary>
    public static void WriteNoisyPng(string path, int width, int height)
    {
        using var bitmap = new SKBitmap(width, height);
        var random = new Random(1);
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++) bitmap.SetPixel(x, y, new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)));
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
    }

    /// <summary>A PNG whose header claims <paramref name="width"/> × <paramref name="height"/> pixels, with almost no data.</summary>
    public static byte[] PngHeaderOnly(int width, int height)
    {
        static byte[] Chunk(string type, byte[] data)
        {
            var typeAndData = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
            return BigEndian(data.Length).Concat(typeAndData).Concat(BigEndian((int)System.IO.Hashing.Crc32.HashToUInt32(typeAndData))).ToArray();
        }
        var header = BigEndian(width).Concat(BigEndian(height)).Concat(new byte[] { 8, 2, 0, 0, 0 }).ToArray(); // 8-bit RGB
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true)) zlib.Write(new byte[1000]);
        return new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10 }
            .Concat(Chunk("IHDR", header)).Concat(Chunk("IDAT", compressed.ToArray())).Concat(Chunk("IEND", [])).ToArray();
    }

    /// <summary>The first sample's tensors of <paramref name="dataset"/>'s indices, read as the loader reads them.</summary>
    public static (long[] Shape, byte[] Pixels, long[] Labels) Read(IDataset dataset, long[] indices, int epoch = 0)
    {
        using var batch = dataset.GetItems(indices, epoch);
        return (batch.Inputs.shape, batch.Inputs.contiguous().data<byte>().ToArray(), batch[DataBatch.LabelsKey].data<long>().ToArray());
    }

    private static IEnumerable<byte> BigEndian(int value) => [(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value];

    /// <summary>The inflated contents of a gzip file.</summary>
    public static byte[] Gunzip(string path)
    {
        using var zip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var memory = new MemoryStream();
        zip.CopyTo(memory);
        return memory.ToArray();
    }

    /// <summary>Writes <paramref name="bytes"/> gzipped to <paramref name="path"/>.</summary>
    public static void WriteGzip(string path, byte[] bytes)
    {
        using var file = File.Create(path);
        using var zip = new GZipStream(file, CompressionLevel.Fastest);
        zip.Write(bytes);
    }

    private static void Write(string path, byte[] bytes, bool gzip)
    {
        if (gzip) WriteGzip(path + ".gz", bytes);
        else File.WriteAllBytes(path, bytes);
    }
}
