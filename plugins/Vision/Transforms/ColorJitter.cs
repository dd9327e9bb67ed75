using Runner.Sdk.Data;
using Runner.Sdk.Registries;
using static TorchSharp.torch;

namespace Runner.Plugins.Vision.Transforms;

/// <summary>
/// Random brightness, contrast and saturation changes, in random order (torchvision's and mmpretrain's
/// <c>ColorJitter</c>, without hue): each factor is drawn uniformly from [1 − x, 1 + x]; brightness scales the pixels,
/// contrast blends with the image's mean grey, saturation with each pixel's grey.
/// </summary>
[Register]
public sealed class ColorJitter : RandomTransform
{
    private readonly double _brightness;
    private readonly double _contrast;
    private readonly double _saturation;

    /// <param name="brightness">How far the brightness factor may move from 1.</param>
    /// <param name="contrast">How far the contrast factor may move from 1.</param>
    /// <param name="saturation">How far the saturation factor may move from 1 (colour images only).</param>
    public ColorJitter([System.ComponentModel.DataAnnotations.Range(0.0, 1.0)] double brightness = 0,
        [System.ComponentModel.DataAnnotations.Range(0.0, 1.0)] double contrast = 0,
        [System.ComponentModel.DataAnnotations.Range(0.0, 1.0)] double saturation = 0)
    {
        _brightness = brightness;
        _contrast = contrast;
        _saturation = saturation;
    }

    /// <inheritdoc/>
    public override DataBatch Transform(DataBatch sample, SampleContext context)
    {
        var image = ImageOps.Image(sample, nameof(ColorJitter));
        var random = context.Random;
        var factors = new[] { Factor(_brightness, random), Factor(_contrast, random), Factor(_saturation, random) };
        var order = new[] { 0, 1, 2 }.OrderBy(_ => random.Next()).ToArray();
        if (factors.All(f => f == 1.0)) return sample;
        var pixels = image.to_type(ScalarType.Float32);
        foreach (var step in order)
        {
            if (factors[step] == 1.0) continue;
            var next = step switch
            {
                0 => pixels * factors[0],
                1 => Blend(pixels, Grey(pixels).mean(), factors[1]),
                _ => pixels.shape[2] == 3 ? Blend(pixels, Grey(pixels), factors[2]) : pixels.alias(),
            };
            pixels.Dispose();
            pixels = next.clamp_(0, 255);
        }
        using (pixels) sample["img"] = pixels.round_().to_type(ScalarType.Byte);
        return sample;
    }

    private static double Factor(double range, Random random) => range == 0 ? 1.0 : 1 - range + random.NextDouble() * 2 * range;

    /// <summary>ITU-R 601 luma, [H, W, 1] (the image itself for one channel).</summary>
    private static Tensor Grey(Tensor pixels) => pixels.shape[2] == 3
        ? (pixels.select(2, 0) * 0.299 + pixels.select(2, 1) * 0.587 + pixels.select(2, 2) * 0.114).unsqueeze(2)
        : pixels.alias();

    private static Tensor Blend(Tensor pixels, Tensor grey, double factor) => pixels * factor + grey * (1 - factor);
}
