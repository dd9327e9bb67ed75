using Runner.Sdk.Registries;

namespace Runner.Sdk.Visualization;

/// <summary>
/// Draws the run's curves as PNG files in <c>vis_data/plots/</c> (ScottPlot): <c>loss.png</c> (every value whose
/// name contains "loss"), <c>lr.png</c> (every learning rate), and one file per other metric
/// (<c>accuracy_top1.png</c>), each against its step. The files are redrawn whenever the visualizer is flushed —
/// after each validation and at the end of the run.
/// </summary>
[Register]
internal sealed class PlotVisBackend(VisContext context, int width = 800, int height = 500, bool logScaleLoss = true) : IVisBackend
{
    private static readonly string[] Bookkeeping = ["epoch", "iter", "step", "time", "data_time", "memory"];

    private readonly Dictionary<string, List<(double Step, double Value)>> _series = new(StringComparer.Ordinal);
    private bool _dirty;

    public string PlotDir { get; } = Path.Combine(context.SaveDir, "plots");

    public int Width { get; } = width >= 100 ? width : throw new ArgumentException($"width must be at least 100, got {width}.");

    public int Height { get; } = height >= 100 ? height : throw new ArgumentException($"height must be at least 100, got {height}.");

    public void AddScalars(IReadOnlyDictionary<string, double> scalars, int step)
    {
        foreach (var (name, value) in scalars) Add(name, step, value);
    }

    /// <summary>A validation's losses join the training loss chart, at the iteration they followed, as
    /// <c>val/&lt;name&gt;</c>; its other metrics get charts of their own, against their step.</summary>
    public void AddValScalars(IReadOnlyDictionary<string, double> scalars, int step, int iteration)
    {
        foreach (var (name, value) in scalars)
        {
            if (IsLoss(name)) Add("val/" + name, iteration, value);
            else Add(name, step, value);
        }
    }

    private void Add(string name, int step, double value)
    {
        if (Bookkeeping.Contains(name) || !double.IsFinite(value)) return;
        if (!_series.TryGetValue(name, out var points)) _series[name] = points = [];
        points.Add((step, value));
        _dirty = true;
    }

    private static bool IsLoss(string name) => name.Contains("loss", StringComparison.Ordinal);

    /// <summary>The charts to draw: file name → (title, x axis, curves).</summary>
    internal IReadOnlyList<(string File, string Title, string XLabel, IReadOnlyList<string> Curves)> Charts()
    {
        var losses = _series.Keys.Where(IsLoss).ToList();
        var lrs = _series.Keys.Where(k => k.EndsWith("lr", StringComparison.Ordinal)).ToList();
        var charts = new List<(string, string, string, IReadOnlyList<string>)>();
        if (losses.Count > 0) charts.Add(("loss", "loss", "iteration", losses));
        if (lrs.Count > 0) charts.Add(("lr", "learning rate", "iteration", lrs));
        foreach (var metric in _series.Keys.Except(losses).Except(lrs))
            charts.Add((metric.Replace('/', '_'), metric, context.MetricStep, [metric]));
        return charts;
    }

    public void AddConfig(string toml) { }

    public void Flush()
    {
        if (!_dirty) return;
        _dirty = false;
        PlotFonts.EnsureRegistered();
        Directory.CreateDirectory(PlotDir);
        foreach (var (file, title, xLabel, curves) in Charts()) Draw(file, title, curves, xLabel, logScale: logScaleLoss && file == "loss");
    }

    public void Close() => Flush();

    private void Draw(string fileName, string title, IReadOnlyList<string> keys, string xLabel, bool logScale = false)
    {
        var plot = new ScottPlot.Plot();
        // A loss falls by orders of magnitude, and on a linear axis is a flat line after the first epochs: drawn on a
        // log scale (its logarithm, with ticks labelled in the loss's own values) when every value is positive.
        logScale &= keys.All(k => _series[k].All(p => p.Value > 0));
        var ticks = logScale ? LogTicks(keys.SelectMany(k => _series[k]).Select(p => p.Value)) : [];
        logScale &= ticks.Count >= 2; // a range narrower than that reads better on a linear axis
        foreach (var key in keys)
        {
            var points = _series[key];
            var line = plot.Add.Scatter(points.Select(p => p.Step).ToArray(), points.Select(p => logScale ? Math.Log10(p.Value) : p.Value).ToArray());
            line.LegendText = key;
            line.MarkerSize = points.Count > 30 ? 0 : 4;
        }
        if (logScale)
            plot.Axes.Left.SetTicks(ticks.Select(Math.Log10).ToArray(), ticks.Select(v => v.ToString("G3", System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(logScale ? $"{title} (log scale)" : title);
        // Below the chart, where it covers no point (at a corner it hid the newest ones).
        if (keys.Count > 1) plot.ShowLegend(ScottPlot.Edge.Bottom);
        else plot.HideLegend(); // the title names the one curve
        plot.SavePng(Path.Combine(PlotDir, fileName + ".png"), Width, Height);
    }

    /// <summary>Ticks at 1, 2 and 5 times each power of ten within the values' range, labelled in the values themselves.</summary>
    private static List<double> LogTicks(IEnumerable<double> values)
    {
        var logs = values.Select(Math.Log10).ToList();
        var (low, high) = ((int)Math.Floor(logs.Min()), (int)Math.Ceiling(logs.Max()));
        var ticks = Enumerable.Range(low, high - low + 1)
            .SelectMany(e => new[] { 1.0, 2.0, 5.0 }.Select(m => m * Math.Pow(10, e)))
            .Where(v => Math.Log10(v) >= logs.Min() - 0.05 && Math.Log10(v) <= logs.Max() + 0.05)
            .ToList();
        return ticks;
    }
}
