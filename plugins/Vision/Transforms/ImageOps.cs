using static TorchSharp.torch;

namespace Runner.Plugins.Vision.Transforms;

/// <summary>The tensor operations the transforms share, on images uint8 [H, W, C].</summary>
internal static class ImageOps
{
    /// <summary>(width, height) from a config's size: one number for a square, or [width, height] (mmcv's order).</summary>
    /// <summary>The largest side a transform makes (a 32,768² RGB image is 3 GB): past it a size can only be a mistake.</summary>
    public const int MaxSide = 32_768;

    public static (int Width, int Height) Size(int[] size, string parameter)
    {
        var (width, height) = size switch
        {
            [var side] => (side, side),
            [var w, var h] => (w, h),
            _ => throw new ArgumentException($"must be one number or [width, height], got {size.Length} numbers.", parameter),
        };
        if (width < 1 || height < 1) throw new ArgumentException($"must be positive, got [{width}, {height}].", parameter);
        return (width, height);
    }

    /// <summary>The image resized to <paramref name="width"/> × <paramref name="height"/>, rounded back to bytes.</summary>
    public static Tensor Resize(Tensor image, int width, int height, string interpolation)
    {
        if (image.shape[0] == height && image.shape[1] == width) return image.alias();
        using var chw = image.permute(2, 0, 1).unsqueeze(0).to_type(ScalarType.Float32);
        var mode = interpolation switch
        {
            "bilinear" => InterpolationMode.Bilinear,
            "nearest" => InterpolationMode.Nearest,
            "bicubic" => InterpolationMode.Bicubic,
            _ => throw new ArgumentException($"interpolation must be \"bilinear\", \"nearest\" or \"bicubic\", got \"{interpolation}\"."),
        };
        using var resized = nn.functional.interpolate(chw, [height, width], mode: mode, align_corners: mode == InterpolationMode.Nearest ? null : false);
        using var rounded = resized.round_().clamp_(0, 255);
        return rounded.squeeze(0).permute(1, 2, 0).to_type(ScalarType.Byte).contiguous();
    }

    /// <summary>The region of <paramref name="height"/> rows and <paramref name="width"/> columns at (<paramref name="top"/>, <paramref name="left"/>).</summary>
    public static Tensor Crop(Tensor image, int top, int left, int height, int width) =>
        image.narrow(0, top, height).narrow(1, left, width);

    /// <summary>Checks an interpolation name at construction, so a typo is reported at its config line.</summary>
    public static string Interpolation(string value) => value is "bilinear" or "nearest" or "bicubic"
        ? value
        : throw new ArgumentException($"must be \"bilinear\", \"nearest\" or \"bicubic\", got \"{value}\".", "interpolation");

    /// <summary>The image from a sample, which must have one (<c>img</c>, uint8 [H, W, C]).</summary>
    public static Tensor Image(Runner.Sdk.Data.DataBatch sample, string step) =>
        sample.TryGet("img", out var image)
            ? image
            : throw new InvalidOperationException($"{step} needs the sample's image ('img'): put it after LoadImageFromFile (ImageFolder adds that step itself) and before PackInputs (which turns 'img' into 'inputs').");
}
