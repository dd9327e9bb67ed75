using System.Text;
using Runner.Sdk.Registries;
using Runner.Sdk.Storage;

namespace Runner.Sdk.Visualization;

/// <summary>
/// MMEngine's <c>LocalVisBackend</c>: <c>vis_data/scalars.json</c>, one JSON object per line with <c>step</c> added,
/// and the config as <c>vis_data/config.toml</c>. The folder is created on first use.
/// </summary>
[Register]
internal sealed class LocalVisBackend(VisContext context, string scalarSaveFile = "scalars.json", string configSaveFile = "config.toml") : IVisBackend
{
    private StreamWriter? _scalars;

    public string ScalarsPath { get; } = Path.Combine(context.SaveDir, scalarSaveFile);

    public string ConfigPath { get; } = Path.Combine(context.SaveDir, configSaveFile);

    /// <summary>
    /// Validation metrics as MMEngine writes them (<c>step</c>: the epoch, or the iteration in an iteration-based run),
    /// with the training iteration they follow as <c>iter</c>, to line them up with the training scalars.
    /// </summary>
    public void AddValScalars(IReadOnlyDictionary<string, double> scalars, int step, int iteration) =>
        Write(scalars, step, iteration > 0 ? iteration : null);

    public void AddScalars(IReadOnlyDictionary<string, double> scalars, int step) => Write(scalars, step, null);

    private void Write(IReadOnlyDictionary<string, double> scalars, int step, int? iteration)
    {
        if (_scalars is null)
        {
            Directory.CreateDirectory(context.SaveDir);
            // No byte-order mark: each line is a JSON document that Python's json.loads reads as it is.
            _scalars = new StreamWriter(ScalarsPath, append: true, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        }
        var record = new Dictionary<string, object>(scalars.Select(kv => new KeyValuePair<string, object>(kv.Key, kv.Value)));
        record.TryAdd("step", step);
        if (iteration is { } iter) record.TryAdd("iter", iter);
        _scalars.WriteLine(PlainData.ToJson(record));
    }

    public void AddConfig(string toml)
    {
        Directory.CreateDirectory(context.SaveDir);
        File.WriteAllText(ConfigPath, toml);
    }

    public void Flush() => _scalars?.Flush();

    public void Close()
    {
        _scalars?.Dispose();
        _scalars = null;
    }
}
