namespace Runner.Sdk.Visualization;

using Runner.Sdk.Registries;

/// <summary>
/// Draws the run's curves as PNG files in <c>vis_data/plots/</c> (ScottPlot): <c>loss.png</c> (every value whose
/// name contains "loss"), <c>lr.png</c> (every learning rate), and one file per other metric
/// (<c>accuracy_top1.png</c>), each against its step. The files are redrawn whenever the visualizer is flushed —
/// after each validation and at the end of the run.
/// </summary>
[Register]
public sealed class PlotVisBackend(VisContext context, int width = 800, int height = 500) : IVisBackend
{
    private static readonly string[] Bookkeeping = ["epoch", "iter", "step", "time", "data_time", "memory"];

    private readonly Dictionary<string, List<(double Step, double Value)>> _series = new(StringComparer.Ordinal);
    private bool _dirty;

    public string PlotDir { get; } = Path.Combine(context.SaveDir, "plots");

    public int Width { get; } = width >= 100 ? width : throw new ArgumentException($"width must be at least 100, got {width}.");

    public int Height { get; } = height >= 100 ? height : throw new ArgumentException($"height must be at least 100, got {height}.");

    public void AddScalars(IReadOnlyDictionary<string, double> scalars, int step)
    {
        foreach (var (name, value) in scalars)
        {
            if (Bookkeeping.Contains(name) || !double.IsFinite(value)) continue;
            if (!_series.TryGetValue(name, out var points)) _series[name] = points = [];
            points.Add((step, value));
            _dirty = true;
        }
    }

    public void AddConfig(string toml) { }

    public void Flush()
    {
        if (!_dirty) return;
        _dirty = false;
        PlotFonts.EnsureRegistered();
        Directory.CreateDirectory(PlotDir);
        var losses = _series.Keys.Where(k => k.Contains("loss", StringComparison.Ordinal)).ToList();
        var lrs = _series.Keys.Where(k => k.EndsWith("lr", StringComparison.Ordinal)).ToList();
        if (losses.Count > 0) Draw("loss", "loss", losses, "iteration");
        if (lrs.Count > 0) Draw("lr", "learning rate", lrs, "iteration");
        foreach (var metric in _series.Keys.Except(losses).Except(lrs))
            Draw(metric.Replace('/', '_'), metric, [metric], context.MetricStep);
    }

    public void Close() => Flush();

    private void Draw(string fileName, string title, IReadOnlyList<string> keys, string xLabel)
    {
        var plot = new ScottPlot.Plot();
        foreach (var key in keys)
        {
            var points = _series[key];
            var line = plot.Add.Scatter(points.Select(p => p.Step).ToArray(), points.Select(p => p.Value).ToArray());
            line.LegendText = key;
            line.MarkerSize = points.Count > 30 ? 0 : 4;
        }
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(title);
        if (keys.Count > 1) plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        plot.SavePng(Path.Combine(PlotDir, fileName + ".png"), Width, Height);
    }
}
