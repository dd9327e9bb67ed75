using Runner.Sdk.Data;
using Runner.Sdk.Registries;

namespace Runner.Plugins.Vision.Transforms;

/// <summary>
/// Cuts a random region — a share of the image's area drawn from <c>crop_ratio_range</c>, an aspect ratio drawn
/// (log-uniformly) from <c>aspect_ratio_range</c> — and resizes it to <c>scale</c> (mmpretrain's and torchvision's
/// <c>RandomResizedCrop</c>). After <c>max_attempts</c> draws that do not fit, the central crop is taken.
/// </summary>
[Register]
public sealed class RandomResizedCrop : RandomTransform
{
    private readonly (int Width, int Height) _scale;
    private readonly double[] _cropRatioRange;
    private readonly double[] _aspectRatioRange;
    private readonly int _maxAttempts;
    private readonly string _interpolation;

    /// <param name="scale">The output size: one number for a square, or [width, height].</param>
    /// <param name="cropRatioRange">The share of the area to cut, [min, max] in (0, 1].</param>
    /// <param name="aspectRatioRange">The width/height ratio of the cut, [min, max].</param>
    /// <param name="maxAttempts">Draws before falling back to the central crop.</param>
    /// <param name="interpolation"><c>bilinear</c>, <c>nearest</c> or <c>bicubic</c>.</param>
    public RandomResizedCrop([System.ComponentModel.DataAnnotations.Range(1, ImageOps.MaxSide)] int[] scale, double[]? cropRatioRange = null, double[]? aspectRatioRange = null,
        [System.ComponentModel.DataAnnotations.Range(1, int.MaxValue)] int maxAttempts = 10, string interpolation = "bilinear")
    {
        _scale = ImageOps.Size(scale, nameof(scale));
        _cropRatioRange = cropRatioRange ?? [0.08, 1.0];
        _aspectRatioRange = aspectRatioRange ?? [3.0 / 4, 4.0 / 3];
        if (_cropRatioRange is not [> 0 and var low, var high] || high < low || high > 1)
            throw new ArgumentException("must be [min, max] with 0 < min ≤ max ≤ 1.", nameof(cropRatioRange));
        if (_aspectRatioRange is not [> 0 and var lowAspect, var highAspect] || highAspect < lowAspect)
            throw new ArgumentException("must be [min, max] with 0 < min ≤ max.", nameof(aspectRatioRange));
        _maxAttempts = maxAttempts;
        _interpolation = ImageOps.Interpolation(interpolation);
    }

    /// <inheritdoc/>
    public override DataBatch Transform(DataBatch sample, SampleContext context)
    {
        var image = ImageOps.Image(sample, nameof(RandomResizedCrop));
        var (height, width) = ((int)image.shape[0], (int)image.shape[1]);
        var (top, left, cropHeight, cropWidth) = Draw(height, width, context.Random);
        using var region = ImageOps.Crop(image, top, left, cropHeight, cropWidth);
        sample["img"] = ImageOps.Resize(region, _scale.Width, _scale.Height, _interpolation);
        return sample;
    }

    private (int Top, int Left, int Height, int Width) Draw(int height, int width, Random random)
    {
        var area = (double)height * width;
        var (logLow, logHigh) = (Math.Log(_aspectRatioRange[0]), Math.Log(_aspectRatioRange[1]));
        for (var attempt = 0; attempt < _maxAttempts; attempt++)
        {
            var target = area * (_cropRatioRange[0] + random.NextDouble() * (_cropRatioRange[1] - _cropRatioRange[0]));
            var aspect = Math.Exp(logLow + random.NextDouble() * (logHigh - logLow));
            var cropWidth = (int)Math.Round(Math.Sqrt(target * aspect));
            var cropHeight = (int)Math.Round(Math.Sqrt(target / aspect));
            if (cropWidth >= 1 && cropHeight >= 1 && cropWidth <= width && cropHeight <= height)
                return (random.Next(height - cropHeight + 1), random.Next(width - cropWidth + 1), cropHeight, cropWidth);
        }
        // The central crop with the aspect ratio clamped to the range (torchvision's fallback).
        var ratio = (double)width / height;
        var (h, w) = ratio < _aspectRatioRange[0] ? ((int)Math.Round(width / _aspectRatioRange[0]), width)
            : ratio > _aspectRatioRange[1] ? (height, (int)Math.Round(height * _aspectRatioRange[1]))
            : (height, width);
        return ((height - h) / 2, (width - w) / 2, h, w);
    }
}
