using System.CommandLine;
using Runner.Sdk.Plugins;
using Runner.Sdk;
using Runner.Sdk.Configuration;
using Runner.Sdk.Data;
using Runner.Sdk.Hosting;
using Runner.Sdk.Registries;
using SkiaSharp;
using static TorchSharp.torch;

namespace Runner.Host;

/// <summary>
/// <c>runner-host data …</c>: data the project can produce itself. <c>digits-to-folder OUT</c> writes the bundled UCI
/// digits (the digits plugin's train, val and test splits) as PNGs in class folders — <c>OUT/train/3/0042.png</c> — so
/// the image-folder examples run without a download.
/// </summary>
internal static class DataCommands
{
    public static Command Create(HostOptions options, Func<Func<int>, int> guard, TextWriter stdout)
    {
        var output = new Argument<string>("OUT") { Description = "The folder to write train/, val/ and test/ into (created; must be empty or absent)." };
        var size = new Option<int>("--size") { Description = "The side of each PNG in pixels (the 8×8 digits are upscaled smoothly).", DefaultValueFactory = _ => 32, CustomParser = WholeNumberArgument.Parse };
        var digits = new Command("digits-to-folder", "Write the bundled digits (1797 images, 8×8) as upscaled PNGs in class folders: OUT/{train,val,test}/<digit>/<n>.png.") { output, size, options.LibTorch };
        digits.SetAction(parsed => guard(() =>
        {
            // The libtorch a run would use (--libtorch, else RUNNER_LIBTORCH, else the build's own or python3's).
            var libtorch = parsed.GetValue(options.LibTorch);
            RunnerProcess.UseLibTorch(libtorch ?? Sdk.Native.LibTorchLoader.FolderFromEnvironment, libtorch is null ? "RUNNER_LIBTORCH" : "--libtorch", needCuda: false);
            return WriteDigits(parsed.GetValue(output)!, parsed.GetValue(size), stdout);
        }));
        return new Command("data", "Produce example data.") { digits };
    }

    private static int WriteDigits(string folder, int size, TextWriter stdout)
    {
        if (size is < 8 or > 1024) throw ConfigException.At(null, "--size", $"must be from 8 to 1024 pixels, got {size}.");
        if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
            throw ConfigException.At(null, "OUT", $"'{Path.GetFullPath(folder)}' is not empty.", "name a new folder: nothing there is overwritten.");
        var registries = new RegistryRoot();
        using var catalog = PluginCatalog.Load([(Path.Combine(AppContext.BaseDirectory, "plugins"), "the built-in plugins")], registries);
        var builder = new ComponentBuilder(registries, "digits");
        var written = 0;
        try
        {
            written = WriteSplits(builder, folder, size);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RunnerException($"Cannot write the digits into '{Path.GetFullPath(folder)}': {e.Message}" +
                (Directory.Exists(folder) ? " What was written so far is there; remove the folder before trying again." : ""), e);
        }
        stdout.WriteLine($"Wrote {written} digits as {size}×{size} PNGs into {Path.GetFullPath(folder)} (train/, val/, test/; one folder per digit).");
        return 0;
    }

    /// <summary>Writes the three splits; returns how many images were written.</summary>
    private static int WriteSplits(ComponentBuilder builder, string folder, int size)
    {
        var written = 0;
        foreach (var split in new[] { "train", "val", "test" })
        {
            var dataset = builder.Build<IDataset>(ConfigLoader.Parse($"type = \"DigitsDataset\"\nsplit = \"{split}\""))
                ?? throw new RunnerException("the digits plugin did not build its dataset.");
            var indices = Enumerable.Range(0, (int)dataset.Count).Select(i => (long)i).ToList();
            using var scope = NewDisposeScope();
            using var batch = dataset.GetItems(indices);
            using var bytes = batch.Inputs.mul(255).round().clamp(0, 255).to_type(ScalarType.Byte).contiguous(); // [N, 1, 8, 8]
            var pixels = bytes.data<byte>().ToArray();
            var labels = batch[DataBatch.LabelsKey].data<long>().ToArray();
            for (var i = 0; i < labels.Length; i++)
            {
                var classFolder = Path.Combine(folder, split, labels[i].ToString(System.Globalization.CultureInfo.InvariantCulture));
                Directory.CreateDirectory(classFolder);
                WritePng(pixels.AsSpan(i * 64, 64), size, Path.Combine(classFolder, $"{i:D4}.png"));
                written++;
            }
        }
        return written;
    }

    /// <summary>An 8×8 grey image, scaled up with cubic resampling, as an RGB PNG (white digit on black).</summary>
    private static void WritePng(ReadOnlySpan<byte> grey, int size, string path)
    {
        using var small = new SKBitmap(new SKImageInfo(8, 8, SKColorType.Gray8, SKAlphaType.Opaque));
        grey.CopyTo(small.GetPixelSpan());
        using var large = small.Resize(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Opaque), new SKSamplingOptions(SKCubicResampler.Mitchell));
        using var encoded = large.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, encoded.ToArray());
    }
}
