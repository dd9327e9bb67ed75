namespace Runner.Sdk.Visualization;

using System.Text;
using System.Text.Json;

/// <summary>
/// Records the scalars of each log line as MMEngine's <c>LocalVisBackend</c> does: one JSON object per line in
/// <c>log_dir/vis_data/scalars.json</c>, with <c>step</c> added; test metrics go to <c>log_dir/&lt;timestamp&gt;.json</c>.
/// The folder is created on first use.
/// </summary>
public sealed class Visualizer
{
    private readonly string _logDir;
    private readonly string _timestamp;
    private StreamWriter? _scalars;

    public Visualizer(string logDir, string timestamp)
    {
        _logDir = logDir;
        _timestamp = timestamp;
    }

    /// <summary>The file scalars are appended to.</summary>
    public string ScalarsPath => Path.Combine(_logDir, "vis_data", "scalars.json");

    public void AddScalars(IReadOnlyDictionary<string, double> scalars, int step)
    {
        if (_scalars is null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(ScalarsPath)!);
            _scalars = new StreamWriter(ScalarsPath, append: true, Encoding.UTF8);
        }
        var record = new Dictionary<string, object>(scalars.Select(kv => new KeyValuePair<string, object>(kv.Key, kv.Value)));
        record.TryAdd("step", step);
        _scalars.WriteLine(JsonSerializer.Serialize(record));
    }

    /// <summary>Writes the metrics of a test run to <c>log_dir/&lt;timestamp&gt;.json</c>.</summary>
    public void WriteTestResults(IReadOnlyDictionary<string, double> metrics)
    {
        Directory.CreateDirectory(_logDir);
        File.WriteAllText(Path.Combine(_logDir, _timestamp + ".json"), JsonSerializer.Serialize(metrics));
    }

    public void Flush() => _scalars?.Flush();

    public void Close()
    {
        _scalars?.Dispose();
        _scalars = null;
    }

}
