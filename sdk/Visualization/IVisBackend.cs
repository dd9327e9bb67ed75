using Runner.Sdk.Registries;

namespace Runner.Sdk.Visualization;

/// <summary>Where the visualizer sends what a run records (MMEngine's vis backends): scalars per step, and the config.</summary>
[ComponentKind("vis backend", 14)]
public interface IVisBackend
{
    /// <summary>Records named scalars at a step (a train iteration, or an epoch for validation metrics).</summary>
    void AddScalars(IReadOnlyDictionary<string, double> scalars, int step);

    /// <summary>
    /// Records the scalars of a validation: <paramref name="step"/> as for <see cref="AddScalars"/> (an epoch, or an
    /// iteration in an iteration-based run), and the training <paramref name="iteration"/> it followed, so that a
    /// backend can draw a validation curve beside the training curve of the same quantity. By default, as
    /// <see cref="AddScalars"/>.
    /// </summary>
    void AddValScalars(IReadOnlyDictionary<string, double> scalars, int step, int iteration) => AddScalars(scalars, step);

    /// <summary>Records the run's resolved config (TOML).</summary>
    void AddConfig(string toml);

    /// <summary>Writes anything buffered.</summary>
    void Flush();

    /// <summary>Flushes and releases files; called once at the end.</summary>
    void Close();
}
