namespace Runner.Sdk.Evaluation;

using Runner.Sdk.Data;

/// <summary>
/// MMEngine's <c>BaseMetric</c>: <see cref="Process"/> turns each batch's predictions into plain results (no
/// tensors survive the iteration), <see cref="ComputeMetrics"/> reduces them at the end of the loop, and each
/// metric name is reported as <c>prefix/name</c>.
/// </summary>
public abstract class BaseMetric
{
    private readonly List<object> _results = [];

    /// <summary>The prefix of every metric name; null uses <see cref="DefaultPrefix"/>.</summary>
    public string? Prefix { get; set; }

    /// <summary>The prefix used when the config gives none (e.g. <c>accuracy</c>).</summary>
    protected virtual string? DefaultPrefix => null;

    /// <summary>Facts about the dataset being evaluated (class names…), set by the loop.</summary>
    [Registries.NotConfigurable]
    public IReadOnlyDictionary<string, object> DatasetMeta { get; set; } = new Dictionary<string, object>();

    /// <summary>The results collected since the last <see cref="Evaluate"/>.</summary>
    protected IList<object> Results => _results;

    /// <summary>Processes one batch: reads <paramref name="predictions"/> and <paramref name="dataBatch"/> and adds plain results.</summary>
    public abstract void Process(DataBatch dataBatch, DataBatch predictions);

    /// <summary>Reduces all results to named values.</summary>
    public abstract IReadOnlyDictionary<string, double> ComputeMetrics(IReadOnlyList<object> results);

    /// <summary>Computes the metrics over everything processed, prefixes their names, and clears the results.</summary>
    public IReadOnlyDictionary<string, double> Evaluate(long size)
    {
        var metrics = ComputeMetrics(_results.ToList());
        _results.Clear();
        var prefix = Prefix ?? DefaultPrefix;
        return string.IsNullOrEmpty(prefix)
            ? metrics
            : metrics.ToDictionary(kv => $"{prefix}/{kv.Key}", kv => kv.Value);
    }
}
