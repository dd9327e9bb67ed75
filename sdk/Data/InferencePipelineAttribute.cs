namespace Runner.Sdk.Data;

/// <summary>
/// Says how a dataset type's pipeline prepares a file that is not one of its samples, for inference
/// (<c>runner-host infer</c>, the <c>Inferencer</c>): the test dataset's <c>pipeline</c> runs on a sample whose
/// <c>img_path</c> (and, for bytes or a stream, <c>img_bytes</c>) names the input, with <see cref="First"/> put in
/// front when no step of its type is there, and <see cref="Last"/> run at the end when the pipeline made no
/// <c>inputs</c> — what the dataset itself does for its own samples. Inherited by derived dataset types.
/// </summary>
/// <example><code>
/// [InferencePipeline(First = typeof(LoadImageFromFile), Last = typeof(PackInputs), Extensions = [".png", ".jpg"])]
/// public abstract class VisionDataset : IDataset { … }
/// </code></example>
[AttributeUsage(AttributeTargets.Class, Inherited = true, AllowMultiple = false)]
public sealed class InferencePipelineAttribute : Attribute
{
    /// <summary>The step that reads the input (an <see cref="ITransform"/>, built with its defaults), or null.</summary>
    public Type? First { get; set; }

    /// <summary>The file name extensions (<c>.png</c>…) of the inputs a folder given to <c>infer</c> is searched for; empty: every file.</summary>
    public string[] Extensions { get; set; } = [];

    /// <summary>The step that packs the sample into <c>inputs</c> when the pipeline did not (an <see cref="ITransform"/>, built with its defaults), or null.</summary>
    public Type? Last { get; set; }
}
