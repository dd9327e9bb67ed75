using System.Text.Json;

namespace Runner.Tests.Support;

/// <summary>Reads what a run left in its work_dir: the log lines and the visualizer's scalar records.</summary>
public static class RunRecords
{
    /// <summary>The run folders (<c>work_dir/&lt;timestamp&gt;</c>), oldest first.</summary>
    public static IReadOnlyList<string> LogDirs(string workDir) =>
        Directory.GetDirectories(workDir).Where(d => File.Exists(Path.Combine(d, Path.GetFileName(d) + ".log"))).Order().ToList();

    public static string[] LogLines(string workDir) =>
        LogDirs(workDir).SelectMany(d => File.ReadAllLines(Path.Combine(d, Path.GetFileName(d) + ".log"))).ToArray();

    /// <summary>Every value of <paramref name="key"/> recorded in vis_data/scalars.json, in order.</summary>
    public static List<double> Scalars(string workDir, string key) =>
        Records(workDir, key).Select(record => record.GetProperty(key).GetDouble()).ToList();

    /// <summary>The step of every record of <paramref name="key"/> in vis_data/scalars.json, in order.</summary>
    public static List<int> Steps(string workDir, string key) =>
        Records(workDir, key).Select(record => record.GetProperty("step").GetInt32()).ToList();

    private static IEnumerable<JsonElement> Records(string workDir, string key) =>
        LogDirs(workDir)
            .Select(d => Path.Combine(d, "vis_data", "scalars.json"))
            .Where(File.Exists)
            .SelectMany(File.ReadAllLines)
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Where(record => record.TryGetProperty(key, out _));

    /// <summary>The metrics of the last test run (<c>log_dir/&lt;timestamp&gt;.json</c>).</summary>
    public static Dictionary<string, double> TestMetrics(string workDir)
    {
        var dir = LogDirs(workDir).Last(d => File.Exists(Path.Combine(d, Path.GetFileName(d) + ".json")));
        var json = File.ReadAllText(Path.Combine(dir, Path.GetFileName(dir) + ".json"));
        return JsonSerializer.Deserialize<Dictionary<string, double>>(json)!;
    }
}
