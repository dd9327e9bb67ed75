using Runner.Sdk.Data;
using Runner.Sdk.Registries;

namespace Runner.Plugins.Vision.Transforms;

/// <summary>Flips the image with probability <c>prob</c>, left–right (<c>horizontal</c>) or upside down (<c>vertical</c>) (mmcv's <c>RandomFlip</c>).</summary>
[Register]
public sealed class RandomFlip : RandomTransform
{
    private readonly double _prob;
    private readonly long _dimension;

    /// <param name="prob">The probability of a flip.</param>
    /// <param name="direction"><c>horizontal</c> or <c>vertical</c>.</param>
    public RandomFlip([System.ComponentModel.DataAnnotations.Range(0.0, 1.0)] double prob = 0.5, string direction = "horizontal")
    {
        _prob = prob;
        _dimension = direction switch
        {
            "horizontal" => 1,
            "vertical" => 0,
            _ => throw new ArgumentException($"must be \"horizontal\" or \"vertical\", got \"{direction}\".", nameof(direction)),
        };
    }

    /// <inheritdoc/>
    public override DataBatch Transform(DataBatch sample, SampleContext context)
    {
        var image = ImageOps.Image(sample, nameof(RandomFlip));
        if (context.Random.NextDouble() < _prob) sample["img"] = image.flip(_dimension);
        return sample;
    }
}
