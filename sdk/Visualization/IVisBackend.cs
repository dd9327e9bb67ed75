namespace Runner.Sdk.Visualization;

/// <summary>Where the visualizer sends what a run records (MMEngine's vis backends): scalars per step, and the config.</summary>
public interface IVisBackend
{
    /// <summary>Records named scalars at a step (a train iteration, or an epoch for validation metrics).</summary>
    void AddScalars(IReadOnlyDictionary<string, double> scalars, int step);

    /// <summary>Records the run's resolved config (TOML).</summary>
    void AddConfig(string toml);

    /// <summary>Writes anything buffered.</summary>
    void Flush();

    /// <summary>Flushes and releases files; called once at the end.</summary>
    void Close();
}
