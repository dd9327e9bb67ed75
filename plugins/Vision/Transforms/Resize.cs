using Runner.Sdk.Data;
using Runner.Sdk.Registries;

namespace Runner.Plugins.Vision.Transforms;

/// <summary>
/// Resizes the image to <c>scale</c> (one number, or [width, height]); with <c>keep_ratio</c>, to the largest size
/// that fits inside it with the image's aspect ratio kept (mmcv's <c>Resize</c>).
/// </summary>
[Register]
public sealed class Resize : ITransform
{
    private readonly (int Width, int Height) _scale;
    private readonly bool _keepRatio;
    private readonly string _interpolation;

    /// <param name="scale">The size: one number for a square, or [width, height].</param>
    /// <param name="keepRatio">Keep the aspect ratio, fitting inside <paramref name="scale"/>.</param>
    /// <param name="interpolation"><c>bilinear</c>, <c>nearest</c> or <c>bicubic</c>.</param>
    public Resize([System.ComponentModel.DataAnnotations.Range(1, ImageOps.MaxSide)] int[] scale, bool keepRatio = false, string interpolation = "bilinear")
    {
        _scale = ImageOps.Size(scale, nameof(scale));
        _keepRatio = keepRatio;
        _interpolation = ImageOps.Interpolation(interpolation);
    }

    /// <inheritdoc/>
    public DataBatch Transform(DataBatch sample)
    {
        var image = ImageOps.Image(sample, nameof(Resize));
        var (width, height) = _scale;
        if (_keepRatio)
        {
            var factor = Math.Min((double)_scale.Width / image.shape[1], (double)_scale.Height / image.shape[0]);
            (width, height) = (Math.Max(1, (int)Math.Round(image.shape[1] * factor)), Math.Max(1, (int)Math.Round(image.shape[0] * factor)));
        }
        sample["img"] = ImageOps.Resize(image, width, height, _interpolation);
        return sample;
    }
}
