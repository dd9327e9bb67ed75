using Runner.Sdk.Storage;

namespace Runner.Sdk.Visualization;

/// <summary>
/// Sends what a run records to its vis backends (MMEngine's <c>Visualizer</c>; by default one
/// <see cref="LocalVisBackend"/>), and writes test metrics to <c>log_dir/&lt;timestamp&gt;.json</c>.
/// </summary>
public sealed class Visualizer
{
    private readonly string _logDir;
    private readonly string _timestamp;

    /// <param name="visBackends">The backends, built from the config's <c>visualizer.vis_backends</c>.</param>
    public Visualizer(string logDir, string timestamp, IReadOnlyList<IVisBackend> visBackends)
    {
        _logDir = logDir;
        _timestamp = timestamp;
        VisBackends = visBackends;
    }

    /// <summary>The backends records go to.</summary>
    public IReadOnlyList<IVisBackend> VisBackends { get; }

    /// <summary>False on ranks other than 0, which record nothing (rank 0 writes the run's records).</summary>
    public bool WritesFiles { get; init; } = true;

    /// <summary>Records <paramref name="scalars"/> at <paramref name="step"/> in every backend.</summary>
    public void AddScalars(IReadOnlyDictionary<string, double> scalars, int step)
    {
        foreach (var backend in VisBackends) backend.AddScalars(scalars, step);
    }

    /// <summary>Records a validation's scalars (see <see cref="IVisBackend.AddValScalars"/>).</summary>
    public void AddValScalars(IReadOnlyDictionary<string, double> scalars, int step, int iteration)
    {
        foreach (var backend in VisBackends) backend.AddValScalars(scalars, step, iteration);
    }

    /// <summary>Records the run's config (TOML) in every backend.</summary>
    public void AddConfig(string toml)
    {
        foreach (var backend in VisBackends) backend.AddConfig(toml);
    }

    /// <summary>Writes the metrics of a test run to <c>log_dir/&lt;timestamp&gt;.json</c>.</summary>
    public void WriteTestResults(IReadOnlyDictionary<string, double> metrics)
    {
        if (!WritesFiles) return;
        Directory.CreateDirectory(_logDir);
        File.WriteAllText(Path.Combine(_logDir, _timestamp + ".json"), PlainData.ToJson(metrics));
    }

    /// <summary>Writes what the backends hold to disk.</summary>
    public void Flush()
    {
        foreach (var backend in VisBackends) backend.Flush();
    }

    /// <summary>Flushes and closes every backend.</summary>
    public void Close()
    {
        foreach (var backend in VisBackends) backend.Close();
    }
}
