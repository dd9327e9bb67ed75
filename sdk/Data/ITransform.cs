namespace Runner.Sdk.Data;

/// <summary>
/// One step of a data pipeline (MMEngine's <c>TRANSFORMS</c>): turns a sample into another. A dataset that takes a
/// <c>pipeline</c> parameter of type <c>ITransform[]</c> gets it built from config tables through the transform
/// registry, e.g. <c>pipeline = [{ type = "RandomFlip" }, { type = "Normalize", mean = 0.5 }]</c>.
/// </summary>
[global::Runner.Sdk.Registries.ComponentKind("transform", 4)]
public interface ITransform
{
    DataBatch Transform(DataBatch sample);
}
