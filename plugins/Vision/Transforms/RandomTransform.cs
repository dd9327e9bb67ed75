using Runner.Sdk.Data;

namespace Runner.Plugins.Vision.Transforms;

/// <summary>A pipeline step that draws from the sample's random source, so it runs only with the sample's context.</summary>
public abstract class RandomTransform : ITransform
{
    /// <inheritdoc/>
    public DataBatch Transform(DataBatch sample) =>
        throw new InvalidOperationException($"{GetType().Name} draws from the sample's random source: run it in a dataset's pipeline.");

    /// <inheritdoc/>
    public abstract DataBatch Transform(DataBatch sample, SampleContext context);
}
