using Runner.Sdk.Registries;

namespace Runner.Sdk.Data;

/// <summary>
/// One step of a data pipeline (MMEngine's <c>TRANSFORMS</c>): turns a sample into another. A dataset that takes a
/// <c>pipeline</c> parameter of type <c>ITransform[]</c> gets it built from config tables through the transform
/// registry, e.g. <c>pipeline = [{ type = "RandomFlip" }, { type = "Normalize", mean = 0.5 }]</c>.
/// </summary>
[ComponentKind("transform", 4)]
public interface ITransform
{
    /// <summary>Turns one sample into the next step's sample (decode, resize, augment…).</summary>
    /// <param name="sample">The sample; the transform may dispose it or return it changed.</param>
    /// <returns>The transformed sample, owned by the caller.</returns>
    DataBatch Transform(DataBatch sample);

    /// <summary>
    /// Turns one sample into the next step's sample, knowing which sample it is (<see cref="SampleContext"/>): random
    /// steps draw from <see cref="SampleContext.Random"/>, steps that read files find them in <see cref="SampleContext.Info"/>.
    /// <see cref="SamplePipeline"/> calls this one; the default calls <see cref="Transform(DataBatch)"/>.
    /// </summary>
    /// <param name="sample">The sample; the transform may dispose it or return it changed.</param>
    /// <param name="context">The sample's index, epoch, facts and random source.</param>
    /// <returns>The transformed sample, owned by the caller.</returns>
    DataBatch Transform(DataBatch sample, SampleContext context) => Transform(sample);
}
