using Runner.Sdk.Data;
using SkiaSharp;
using static TorchSharp.torch;

namespace Runner.Plugins.Vision;

/// <summary>
/// Reads image files (JPEG, PNG, BMP, WebP, GIF's first frame) into uint8 tensors [H, W, 3] in RGB order, with
/// SkiaSharp: the library the host already carries for its plots, maintained by Microsoft, thread-safe for decoding
/// (so the loader's worker threads decode in parallel), and with no dependency on system image libraries.
/// </summary>
internal static class ImageDecoder
{
    /// <summary>The extensions <c>ImageFolder</c> collects, and <c>infer</c> looks for in folders: listed once, on <see cref="Datasets.VisionDataset"/>.</summary>
    public static readonly IReadOnlySet<string> Extensions = new HashSet<string>(
        ((Runner.Sdk.Data.InferencePipelineAttribute)Attribute.GetCustomAttribute(typeof(Datasets.VisionDataset), typeof(Runner.Sdk.Data.InferencePipelineAttribute))!).Extensions,
        StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The most pixels an image may claim by default: Pillow's limit (<c>Image.MAX_IMAGE_PIXELS</c> × 2, where it
    /// raises <c>DecompressionBombError</c>), 716 MB decoded. A header is untrusted input: a 74-byte PNG can claim
    /// 100,000 × 100,000 pixels.
    /// </summary>
    public const long DefaultMaxPixels = 178_956_970;

    /// <summary>The largest limit that can be asked for: the decoded RGBA pixels must fit one .NET array.</summary>
    public const long LargestMaxPixels = 536_870_911; // (Array.MaxLength + 1) / 4, rounded down

    /// <summary>The largest encoded image file read (a 16k × 16k PNG of noise is about 1 GB).</summary>
    public const long MaxEncodedBytes = 1L << 30;

    /// <summary>
    /// The image at <paramref name="path"/>; an unreadable, truncated or unknown file, or one claiming more than
    /// <paramref name="maxPixels"/> pixels, is an error naming it.
    /// </summary>
    public static Tensor Read(string path, long maxPixels = DefaultMaxPixels)
    {
        byte[] encoded;
        try
        {
            // Links followed to a regular file of at most MaxEncodedBytes; a device or a FIFO is refused, not read.
            encoded = DataFile.ReadAllBytes(path, MaxEncodedBytes);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"cannot read image: {e.Message}", e);
        }
        return Decode(encoded, path, maxPixels);
    }

    /// <summary>Decodes <paramref name="encoded"/> (named <paramref name="source"/> in errors).</summary>
    public static Tensor Decode(byte[] encoded, string source, long maxPixels = DefaultMaxPixels)
    {
        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data)
            ?? throw new InvalidDataException($"'{source}' is not an image SkiaSharp can read (JPEG, PNG, BMP, WebP, GIF), or its header is damaged.");
        // Checked before anything is allocated: SkiaSharp's byte count is an int, and wraps for large images.
        var pixelCount = (long)codec.Info.Width * codec.Info.Height;
        if (pixelCount > maxPixels)
        {
            throw new InvalidDataException($"'{source}' claims {codec.Info.Width:N0} × {codec.Info.Height:N0} pixels, more than the " +
                $"limit of {maxPixels:N0} (LoadImageFromFile's max_pixels): a damaged header or a decompression bomb; " +
                "raise max_pixels only for images you trust.");
        }
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var pixels = new byte[info.BytesSize];
        var result = codec.GetPixels(info, pixels);
        if (result is not (SKCodecResult.Success))
        {
            // A truncated file decodes partly (IncompleteInput): an image with a grey band is not a sample to train on.
            throw new InvalidDataException($"'{source}' could not be decoded completely ({result}): the file is truncated or damaged.");
        }
        using var rgba = tensor(pixels, dtype: ScalarType.Byte).view(info.Height, info.Width, 4);
        return rgba.narrow(2, 0, 3).contiguous();
    }

    /// <summary>Writes <paramref name="image"/> (uint8 [H, W, 3] or [H, W]) as a PNG file.</summary>
    public static void WritePng(Tensor image, string path)
    {
        using var rgb = image.dim() == 2 ? image.unsqueeze(2).expand(-1, -1, 3) : image.alias();
        var (height, width) = ((int)rgb.shape[0], (int)rgb.shape[1]);
        using var alpha = full(height, width, 1, 255, dtype: ScalarType.Byte);
        using var rgba = cat([rgb.to_type(ScalarType.Byte), alpha], 2).contiguous();
        var bytes = rgba.data<byte>().ToArray();
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        System.Runtime.InteropServices.Marshal.Copy(bytes, 0, bitmap.GetPixels(), bytes.Length);
        using var encoded = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        using var file = File.Create(path);
        encoded.SaveTo(file);
    }
}
