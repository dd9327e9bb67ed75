using Runner.Sdk.Data;
using Runner.Sdk.Registries;

namespace Runner.Plugins.Vision.Transforms;

/// <summary>
/// Decodes the sample's file (<c>img_path</c>) into <c>img</c>, uint8 [H, W, 3] RGB (mmcv's <c>LoadImageFromFile</c>),
/// and records <c>ori_shape</c>; when the sample carries the file's content already (<c>img_bytes</c>: an upload, a
/// stream), that is decoded instead, and <c>img_path</c> only names it. Runs on the loader's worker threads; an unreadable or truncated file, or one whose
/// header claims more than <c>max_pixels</c> pixels, is an error naming it.
/// </summary>
/// <example><code>pipeline = [{ type = "LoadImageFromFile", max_pixels = 300_000_000 }, { type = "PackInputs" }]</code></example>
[Register]
public sealed class LoadImageFromFile : ITransform
{
    private readonly long _maxPixels;

    /// <param name="maxPixels">
    /// The most pixels an image may have (width × height): Pillow's decompression-bomb limit, 178,956,970, by default;
    /// at most 536,870,911 (the decoded pixels must fit one array).
    /// </param>
    public LoadImageFromFile([System.ComponentModel.DataAnnotations.Range(1, (int)ImageDecoder.LargestMaxPixels)] long maxPixels = ImageDecoder.DefaultMaxPixels) =>
        _maxPixels = maxPixels;

    /// <inheritdoc/>
    public DataBatch Transform(DataBatch sample) =>
        throw new InvalidOperationException("LoadImageFromFile reads the sample's img_path: run it in a dataset's pipeline.");

    /// <inheritdoc/>
    public DataBatch Transform(DataBatch sample, SampleContext context)
    {
        if (!context.Info.TryGetValue("img_path", out var path) || path is not string file)
            throw new InvalidOperationException("the sample has no img_path: LoadImageFromFile reads files a dataset such as ImageFolder names.");
        var image = context.Info.TryGetValue("img_bytes", out var content) && content is byte[] encoded
            ? ImageDecoder.Decode(encoded, file, _maxPixels)
            : ImageDecoder.Read(file, _maxPixels);
        context.Info["ori_shape"] = new[] { image.shape[0], image.shape[1] };
        sample["img"] = image;
        return sample;
    }
}
