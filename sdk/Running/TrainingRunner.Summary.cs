using System.Globalization;
using System.Text;

namespace Runner.Sdk.Running;

/// <summary>The closing summary of a run (Lightning prints one; MMEngine leaves the user to scroll): its metrics and where its records are.</summary>
public sealed partial class TrainingRunner
{
    /// <summary>
    /// Logs the run's closing summary: the last and best value of every validation and test metric, and where the
    /// run's records are (the log, the scalars, the plots, the last and best checkpoints). <c>runner-host</c> calls it
    /// when a job ends; a program of your own calls it after its last <see cref="Train"/>, <see cref="Val"/> or
    /// <see cref="Test"/>.
    /// </summary>
    public void LogSummary()
    {
        if (!IsMainProcess) return;
        var text = new StringBuilder("Summary of the run:");
        var metrics = MessageHub.ScalarKeys
            .Where(key => (key.StartsWith("val/", StringComparison.Ordinal) || key.StartsWith("test/", StringComparison.Ordinal))
                          && !key.EndsWith("/time", StringComparison.Ordinal) && !key.EndsWith("/data_time", StringComparison.Ordinal))
            .ToList();
        if (metrics.Count > 0)
        {
            var width = Math.Max("metric".Length, metrics.Max(k => k.Length));
            text.AppendLine().Append(CultureInfo.InvariantCulture, $"    {"metric".PadRight(width)}  {"last",12}  {"best",12}");
            foreach (var key in metrics)
            {
                var history = MessageHub.GetScalar(key)!;
                var lowerIsBetter = key.Contains("loss", StringComparison.Ordinal) || key.Contains("error", StringComparison.Ordinal);
                var best = lowerIsBetter ? history.Min(history.Length) : history.Max(history.Length);
                text.AppendLine().Append(CultureInfo.InvariantCulture, $"    {key.PadRight(width)}  {Number(history.Current()),12}  {Number(best),12}{(lowerIsBetter ? "  (lowest)" : "")}");
            }
        }
        foreach (var (what, path) in RecordPaths()) text.AppendLine().Append(CultureInfo.InvariantCulture, $"    {what,-12} {path}");
        Logger.Info(text.ToString());
    }

    private static string Number(double value) => value.ToString(Math.Abs(value) >= 1e5 || (value != 0 && Math.Abs(value) < 1e-3) ? "0.####e+0" : "0.####", CultureInfo.InvariantCulture);

    /// <summary>The run's records that exist, by what they are.</summary>
    private IEnumerable<(string What, string Path)> RecordPaths()
    {
        yield return ("log:", Path.Combine(LogDir, Timestamp + ".log"));
        var visData = Path.Combine(LogDir, "vis_data");
        if (File.Exists(Path.Combine(visData, "scalars.json"))) yield return ("scalars:", Path.Combine(visData, "scalars.json"));
        var plots = Path.Combine(visData, "plots");
        if (Directory.Exists(plots) && Directory.EnumerateFiles(plots, "*.png").Any()) yield return ("plots:", plots);
        if (Directory.Exists(visData) && Directory.EnumerateFiles(visData, "*.png").Any()) yield return ("figures:", visData);
        var files = CheckpointFiles();
        if (files.ReadPointer(out _) is { } last) yield return ("checkpoint:", last);
        foreach (var (key, value) in MessageHub.RuntimeInfo.Where(kv => kv.Key.StartsWith("best_ckpt", StringComparison.Ordinal)))
            if (value is string name && files.Confine(name) is { } best && File.Exists(best)) yield return ("best:", best);
    }
}
