using System.Globalization;
using System.IO.Compression;
using Runner.Sdk.Data;
using Runner.Sdk.Registries;
using TorchSharp;
using static TorchSharp.torch;

namespace Runner.Plugins.Digits;

/// <summary>
/// The UCI handwritten digits (1797 images of 8×8 pixel counts 0..16, labels 0..9; E. Alpaydin, C. Kaynak, 1998,
/// CC BY 4.0), as inputs [1, 8, 8] scaled to [0, 1]. The samples are split deterministically — a fixed shuffle,
/// the same on every machine — into train 1257, val 270 and test 270. For inference, an image file is read as a
/// digit by <see cref="LoadDigitImage"/>.
/// </summary>
[Register]
[InferencePipeline(First = typeof(LoadDigitImage), Extensions = [".png", ".jpg", ".jpeg", ".bmp", ".webp", ".gif"])]
public sealed class DigitsDataset : TensorDataset
{
    private const int Pixels = 64;
    private const int TrainCount = 1257;
    private const int ValCount = 270;
    private const ulong SplitSeed = 20_26_11_26;

    /// <param name="files">This plugin's files (given by the runner).</param>
    /// <param name="split">train, val or test.</param>
    /// <param name="dataFile">The gzipped CSV (64 pixel columns then the label); default: the plugin's own copy.</param>
    public DigitsDataset(PluginFiles files, string split = "train", string? dataFile = null)
        : base(Load(split, dataFile ?? files.PathOf("data", "digits.csv.gz")),
            new Dictionary<string, object> { ["classes"] = Enumerable.Range(0, 10).Select(i => (object)i.ToString(CultureInfo.InvariantCulture)).ToList() })
    {
    }

    private static Dictionary<string, Tensor> Load(string split, string path)
    {
        if (split is not ("train" or "val" or "test")) throw new ArgumentException($"split must be train, val or test, got \"{split}\".");
        var (pixels, labels) = ReadCsv(path);
        var order = Shuffled(labels.Count);
        var chosen = split switch
        {
            "train" => order[..TrainCount],
            "val" => order[TrainCount..(TrainCount + ValCount)],
            _ => order[(TrainCount + ValCount)..],
        };
        var x = new float[chosen.Length * Pixels];
        var y = new long[chosen.Length];
        for (var i = 0; i < chosen.Length; i++)
        {
            Array.Copy(pixels[chosen[i]], 0, x, i * Pixels, Pixels);
            y[i] = labels[chosen[i]];
        }
        return new Dictionary<string, Tensor>
        {
            [DataBatch.InputsKey] = torch.tensor(x, [chosen.Length, 1, 8, 8]).div_(16f),
            [DataBatch.LabelsKey] = torch.tensor(y),
        };
    }

    private static (List<float[]> Pixels, List<long> Labels) ReadCsv(string path)
    {
        var pixels = new List<float[]>();
        var labels = new List<long>();
        try
        {
            using var reader = new StreamReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress));
            var lineNumber = 0;
            while (reader.ReadLine() is { } line)
            {
                lineNumber++;
                if (line.Length == 0) continue;
                var fields = line.Split(',');
                if (fields.Length != Pixels + 1 || !float.TryParse(fields[0], CultureInfo.InvariantCulture, out _))
                {
                    if (lineNumber == 1) continue; // a header line
                    throw new InvalidOperationException($"{path}:{lineNumber}: expected {Pixels + 1} numbers, got {fields.Length} fields.");
                }
                pixels.Add(fields[..Pixels].Select(f => float.Parse(f, CultureInfo.InvariantCulture)).ToArray());
                labels.Add((long)float.Parse(fields[Pixels], CultureInfo.InvariantCulture));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw new InvalidOperationException($"Cannot read the digits data '{path}': {e.Message}", e);
        }
        if (labels.Count < TrainCount + ValCount + 1)
            throw new InvalidOperationException($"The digits data '{path}' has {labels.Count} samples; the split needs at least {TrainCount + ValCount + 1}.");
        return (pixels, labels);
    }

    /// <summary>A Fisher–Yates shuffle driven by SplitMix64, so the split never depends on the runtime or on torch's seed.</summary>
    private static int[] Shuffled(int count)
    {
        var order = Enumerable.Range(0, count).ToArray();
        var state = SplitSeed;
        for (var i = count - 1; i > 0; i--)
        {
            state += 0x9E3779B97F4A7C15;
            var z = state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
            z ^= z >> 31;
            var j = (int)(z % (ulong)(i + 1));
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }
}
