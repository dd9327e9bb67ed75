using Runner.Sdk.Data;
using Runner.Sdk.Registries;

namespace Runner.Plugins.Vision.Transforms;

/// <summary>Cuts the central <c>crop_size</c> (one number, or [width, height]) out of the image (mmcv's <c>CenterCrop</c>);
/// an image smaller than that is refused, naming both sizes.</summary>
[Register]
public sealed class CenterCrop : ITransform
{
    private readonly (int Width, int Height) _size;

    /// <param name="cropSize">The size: one number for a square, or [width, height].</param>
    public CenterCrop([System.ComponentModel.DataAnnotations.Range(1, ImageOps.MaxSide)] int[] cropSize) => _size = ImageOps.Size(cropSize, nameof(cropSize));

    /// <inheritdoc/>
    public DataBatch Transform(DataBatch sample)
    {
        var image = ImageOps.Image(sample, nameof(CenterCrop));
        var (height, width) = ((int)image.shape[0], (int)image.shape[1]);
        if (height < _size.Height || width < _size.Width)
            throw new InvalidOperationException($"CenterCrop of {_size.Width}×{_size.Height} on an image of {width}×{height}: resize it first.");
        sample["img"] = ImageOps.Crop(image, (height - _size.Height) / 2, (width - _size.Width) / 2, _size.Height, _size.Width).contiguous();
        return sample;
    }
}
