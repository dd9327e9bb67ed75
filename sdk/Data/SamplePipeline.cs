namespace Runner.Sdk.Data;

/// <summary>
/// A dataset's <c>pipeline</c> (MMEngine's <c>Compose</c>): its steps applied in order to one sample, each with the
/// sample's <see cref="SampleContext"/>. A step that fails is named with the sample, and the sample is disposed.
/// </summary>
/// <example><code>
/// public MyImages(ITransform[]? pipeline = null, long seed = 0) => _pipeline = new SamplePipeline(pipeline, seed);
/// public DataBatch Get(long index) => _pipeline.Apply(Raw(index), index, epoch: 0);
/// </code></example>
public sealed class SamplePipeline
{
    private readonly ITransform[] _steps;

    /// <summary>A pipeline of <paramref name="steps"/> (none: samples pass unchanged) drawing from the run's <paramref name="seed"/>.</summary>
    public SamplePipeline(IReadOnlyList<ITransform>? steps, long seed)
    {
        _steps = steps?.ToArray() ?? [];
        Seed = seed;
    }

    /// <summary>The steps, in order.</summary>
    public IReadOnlyList<ITransform> Steps => _steps;

    /// <summary>The seed the samples' random sources are drawn from.</summary>
    public long Seed { get; }

    /// <summary>Runs every step on <paramref name="sample"/> (which the pipeline takes over) and returns the result.</summary>
    /// <param name="sample">The sample as the dataset read it.</param>
    /// <param name="index">The sample's index in the dataset.</param>
    /// <param name="epoch">The epoch it is drawn for.</param>
    /// <param name="info">Facts that are not tensors (<c>img_path</c>…), for the steps to read and add to.</param>
    /// <exception cref="RunnerException">A step failed: the message names the step and the sample.</exception>
    public DataBatch Apply(DataBatch sample, long index, int epoch, IDictionary<string, object>? info = null)
    {
        if (_steps.Length == 0) return sample;
        var context = new SampleContext(index, epoch, Seed, info);
        foreach (var step in _steps)
        {
            try
            {
                sample = step.Transform(sample, context);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                sample.Dispose();
                var source = context.Info.TryGetValue("img_path", out var path) ? $" ('{path}')" : "";
                throw e as RunnerException ?? new RunnerException($"The pipeline step {step.GetType().Name} failed on sample {index}{source}: {e.Message}", e);
            }
        }
        return sample;
    }
}
