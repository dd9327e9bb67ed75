using Runner.Sdk.Data;
using Runner.Sdk.Registries;

namespace Runner.Plugins.Vision.Transforms;

/// <summary>
/// The last step (mmpretrain's <c>PackInputs</c>): the image becomes the model's <c>inputs</c>, uint8 [C, H, W]
/// (the data preprocessor turns it to float and normalises the batch), and <c>gt_label</c> becomes <c>labels</c>.
/// The vision datasets pack a sample themselves when their pipeline does not end with it.
/// </summary>
[Register]
public sealed class PackInputs : ITransform
{
    /// <inheritdoc/>
    public DataBatch Transform(DataBatch sample) => Pack(sample, null);

    /// <inheritdoc/>
    public DataBatch Transform(DataBatch sample, SampleContext context) => Pack(sample, context.Info);

    /// <summary>Packs <paramref name="sample"/>, recording the final <c>img_shape</c> in <paramref name="info"/>.</summary>
    internal static DataBatch Pack(DataBatch sample, IDictionary<string, object>? info)
    {
        var image = ImageOps.Image(sample, nameof(PackInputs));
        if (info is not null) info["img_shape"] = new[] { image.shape[0], image.shape[1] };
        var packed = new DataBatch { [DataBatch.InputsKey] = image.permute(2, 0, 1).contiguous() };
        if (sample.TryGet("gt_label", out var label)) packed[DataBatch.LabelsKey] = label.alias();
        sample.Dispose();
        return packed;
    }
}
