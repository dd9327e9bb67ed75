using Runner.Sdk.Data;
using Runner.Sdk.Registries;
using static TorchSharp.torch;

namespace Runner.Plugins.Vision.Transforms;

/// <summary>
/// Cuts a random <c>crop_size</c> region, after padding the image by <c>padding</c> pixels of <c>pad_val</c> on every
/// side (mmpretrain's <c>RandomCrop</c>; CIFAR's usual augmentation is <c>crop_size = 32, padding = 4</c>).
/// </summary>
[Register]
public sealed class RandomCrop : RandomTransform
{
    private readonly (int Width, int Height) _size;
    private readonly int _padding;
    private readonly int _padVal;

    /// <param name="cropSize">The size: one number for a square, or [width, height].</param>
    /// <param name="padding">Pixels added on every side first.</param>
    /// <param name="padVal">The value of the added pixels (0–255).</param>
    public RandomCrop([System.ComponentModel.DataAnnotations.Range(1, ImageOps.MaxSide)] int[] cropSize, [System.ComponentModel.DataAnnotations.Range(0, int.MaxValue)] int padding = 0,
        [System.ComponentModel.DataAnnotations.Range(0, 255)] int padVal = 0)
    {
        _size = ImageOps.Size(cropSize, nameof(cropSize));
        _padding = padding;
        _padVal = padVal;
    }

    /// <inheritdoc/>
    public override DataBatch Transform(DataBatch sample, SampleContext context)
    {
        var image = ImageOps.Image(sample, nameof(RandomCrop));
        using var padded = _padding == 0 ? image.alias()
            : nn.functional.pad(image.permute(2, 0, 1), [_padding, _padding, _padding, _padding], value: _padVal).permute(1, 2, 0);
        var (height, width) = ((int)padded.shape[0], (int)padded.shape[1]);
        if (height < _size.Height || width < _size.Width)
            throw new InvalidOperationException($"RandomCrop of {_size.Width}×{_size.Height} on an image of {width}×{height} (padding included): resize it first.");
        var top = context.Random.Next(height - _size.Height + 1);
        var left = context.Random.Next(width - _size.Width + 1);
        sample["img"] = ImageOps.Crop(padded, top, left, _size.Height, _size.Width).contiguous();
        return sample;
    }
}
