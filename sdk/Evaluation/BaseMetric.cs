using Runner.Sdk.Data;
using Runner.Sdk.Distributed;
using Runner.Sdk.Registries;

namespace Runner.Sdk.Evaluation;

/// <summary>
/// MMEngine's <c>BaseMetric</c>: <see cref="Process"/> turns each batch's predictions into plain results (no
/// tensors survive the iteration), <see cref="ComputeMetrics"/> reduces them at the end of the loop, and each
/// metric name is reported as <c>prefix/name</c>. With several ranks, each processes its share of the data and rank 0
/// computes the metrics over all ranks' results (MMEngine's <c>collect_results</c>), which every rank then receives.
/// </summary>
[ComponentKind("metric", 5)]
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

    /// <summary>The results collected since the last <see cref="Evaluate(long)"/>.</summary>
    protected IList<object> Results => _results;

    /// <summary>Processes one batch: reads <paramref name="predictions"/> and <paramref name="dataBatch"/> and adds plain results.</summary>
    public abstract void Process(DataBatch dataBatch, DataBatch predictions);

    /// <summary>Reduces all results to named values.</summary>
    public abstract IReadOnlyDictionary<string, double> ComputeMetrics(IReadOnlyList<object> results);

    /// <summary>
    /// Whether each result stands for one sample, in the loader's order (then the ranks' results are interleaved back
    /// into the order of one process: rank 0's first, rank 1's first, …); otherwise they are joined in rank order.
    /// </summary>
    protected virtual bool ResultsPerSample => false;

    /// <summary>Computes the metrics over everything processed, prefixes their names, and clears the results.</summary>
    public IReadOnlyDictionary<string, double> Evaluate(long size)
    {
        var metrics = ComputeMetrics(_results.ToList());
        _results.Clear();
        return Prefixed(metrics);
    }

    /// <summary>
    /// Computes the metrics over every rank's results: they are gathered, rank 0 computes (so a metric that writes a
    /// file writes it once), and the values are sent to every rank, which all return the same metrics.
    /// </summary>
    public IReadOnlyDictionary<string, double> Evaluate(long size, ICommunicator world)
    {
        if (world.WorldSize == 1) return Evaluate(size);
        var name = GetType().Name;
        var parts = world.AllGather(ResultCodec.Encode(_results, name), $"the gathering of {name}'s results");
        _results.Clear();
        byte[] outcome;
        if (world.Rank == 0)
        {
            try
            {
                var all = parts.Select(p => ResultCodec.Decode(p, name)).ToList();
                var metrics = ComputeMetrics(ResultsPerSample ? Interleave(all) : all.SelectMany(r => r).ToList());
                outcome = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new Outcome(metrics.ToDictionary(), null), OutcomeJson);
            }
            catch (Exception e)
            {
                // The others are waiting for the values: tell them why none come, then fail here as in one process.
                world.Broadcast(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new Outcome(null, e.Message), OutcomeJson), 0, $"{name}'s values");
                throw;
            }
        }
        else
        {
            outcome = [];
        }
        var received = System.Text.Json.JsonSerializer.Deserialize<Outcome>(world.Broadcast(outcome, 0, $"{name}'s values"), OutcomeJson)!;
        if (received.Error is { } error) throw new DistributedException($"rank {world.Rank}: {name} failed on rank 0: {error}");
        return Prefixed(received.Metrics!);
    }

    private static readonly System.Text.Json.JsonSerializerOptions OutcomeJson =
        new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    private sealed record Outcome(Dictionary<string, double>? Metrics, string? Error);

    /// <summary>Rank 0's first result, rank 1's first, …, then everyone's second: the order of one process when rank
    /// r was given every world-size-th sample from r.</summary>
    private static List<object> Interleave(List<List<object>> perRank)
    {
        var merged = new List<object>(perRank.Sum(r => r.Count));
        for (var i = 0; merged.Count < merged.Capacity; i++)
            foreach (var rank in perRank)
                if (i < rank.Count) merged.Add(rank[i]);
        return merged;
    }

    private IReadOnlyDictionary<string, double> Prefixed(IReadOnlyDictionary<string, double> metrics)
    {
        var prefix = Prefix ?? DefaultPrefix;
        return string.IsNullOrEmpty(prefix)
            ? metrics
            : metrics.ToDictionary(kv => $"{prefix}/{kv.Key}", kv => kv.Value);
    }
}
