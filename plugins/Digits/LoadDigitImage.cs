using Runner.Sdk.Data;
using Runner.Sdk.Registries;
using SkiaSharp;
using TorchSharp;

namespace Runner.Plugins.Digits;

/// <summary>
/// Reads an image file as one of the digits: its grey levels (ITU-R 601 luma, as Pillow's <c>convert("L")</c>), shrunk
/// to 8 × 8 by averaging each cell's pixels, scaled to [0, 1] — <c>inputs</c> [1, 8, 8], as <see cref="DigitsDataset"/>'s
/// own samples. It is how <c>runner-host infer</c> and the <c>Inferencer</c> prepare a file for the default job's model:
/// the PNGs <c>runner-host data digits-to-folder</c> writes (a white digit on black) come back as the samples they were
/// made from, up to the blur of their upscaling.
/// </summary>
/// <example><code>runner-host infer --checkpoint work_dirs/digits data/digits-png/test/7</code></example>
[Register]
public sealed class LoadDigitImage : ITransform
{
    /// <summary>The largest file read: a digit needs far less, and a file is untrusted input.</summary>
    private const long MaxEncodedBytes = 64L << 20;

    /// <summary>The most pixels an image may claim (4096 × 4096), checked before anything is decoded: a header can lie.</summary>
    private const long MaxPixels = 4096L * 4096;

    private const int Side = 8;

    /// <inheritdoc/>
    public DataBatch Transform(DataBatch sample) =>
        throw new InvalidOperationException("LoadDigitImage reads the sample's img_path: run it through the Inferencer or runner-host infer.");

    /// <inheritdoc/>
    public DataBatch Transform(DataBatch sample, SampleContext context)
    {
        if (!context.Info.TryGetValue("img_path", out var path) || path is not string source)
            throw new InvalidOperationException("the sample has no img_path: LoadDigitImage reads the files given to infer.");
        var encoded = context.Info.TryGetValue("img_bytes", out var content) && content is byte[] bytes
            ? bytes
            : DataFile.ReadAllBytes(source, MaxEncodedBytes);
        var (grey, width, height) = DecodeGrey(encoded, source);
        sample[DataBatch.InputsKey] = torch.tensor(Shrink(grey, width, height), [1, Side, Side]);
        return sample;
    }

    /// <summary>The image's grey levels, row by row.</summary>
    private static (byte[] Grey, int Width, int Height) DecodeGrey(byte[] encoded, string source)
    {
        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data)
            ?? throw new InvalidDataException($"'{source}' is not an image SkiaSharp can read (PNG, JPEG, BMP, WebP, GIF), or its header is damaged.");
        var (width, height) = (codec.Info.Width, codec.Info.Height);
        if ((long)width * height > MaxPixels)
            throw new InvalidDataException($"'{source}' claims {width:N0} × {height:N0} pixels, more than a digit image may have ({MaxPixels:N0}).");
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var rgba = new byte[info.BytesSize];
        var result = codec.GetPixels(info, rgba);
        if (result is not SKCodecResult.Success)
            throw new InvalidDataException($"'{source}' could not be decoded completely ({result}): the file is truncated or damaged.");
        var grey = new byte[width * height];
        for (var i = 0; i < grey.Length; i++)
            grey[i] = (byte)((rgba[4 * i] * 299 + rgba[4 * i + 1] * 587 + rgba[4 * i + 2] * 114 + 500) / 1000);
        return (grey, width, height);
    }

    /// <summary>
    /// The mean grey level of each of the 8 × 8 cells, over 255: a cell covers rows [r·H/8, (r+1)·H/8) and the columns
    /// likewise (at least one of each, for an image under 8 pixels a side).
    /// </summary>
    private static float[] Shrink(byte[] grey, int width, int height)
    {
        var cells = new float[Side * Side];
        for (var r = 0; r < Side; r++)
        {
            var (top, bottom) = Span(r, height);
            for (var c = 0; c < Side; c++)
            {
                var (left, right) = Span(c, width);
                long sum = 0;
                for (var y = top; y < bottom; y++)
                    for (var x = left; x < right; x++) sum += grey[y * width + x];
                cells[r * Side + c] = sum / (255f * (bottom - top) * (right - left));
            }
        }
        return cells;
    }

    private static (int Start, int End) Span(int cell, int length)
    {
        var start = Math.Min(cell * length / Side, length - 1);
        return (start, Math.Max(start + 1, (cell + 1) * length / Side));
    }
}
