using Runner.Sdk.Data;
using Runner.Sdk.Registries;

namespace Runner.Sdk.Evaluation;

/// <summary>Runs a loop's metrics and merges their results (MMEngine's <c>Evaluator</c>).</summary>
[Register]
[ComponentKind("evaluator", 6)]
public class Evaluator
{
    /// <param name="metrics">The metrics, run in order.</param>
    public Evaluator(IReadOnlyList<BaseMetric> metrics) => Metrics = metrics;

    /// <summary>The metrics, in the order their values are reported.</summary>
    public IReadOnlyList<BaseMetric> Metrics { get; }

    /// <summary>Set by the loop from the dataset's metainfo.</summary>
    public IReadOnlyDictionary<string, object> DatasetMeta
    {
        set
        {
            foreach (var metric in Metrics) metric.DatasetMeta = value;
        }
    }

    /// <summary>Hands one batch and the model's predictions for it to every metric.</summary>
    public void Process(DataBatch dataBatch, DataBatch predictions)
    {
        foreach (var metric in Metrics) metric.Process(dataBatch, predictions);
    }

    /// <summary>Every metric's values, in metric order; a name produced by two metrics is an error.</summary>
    public Dictionary<string, double> Evaluate(long size) => Evaluate(size, Distributed.SingleProcessCommunicator.Instance);

    /// <summary>Every metric's values over all ranks' results (see <see cref="BaseMetric.Evaluate(long, Distributed.ICommunicator)"/>).</summary>
    public Dictionary<string, double> Evaluate(long size, Distributed.ICommunicator world) => Evaluate(size, world, (_, evaluate) => evaluate());

    /// <summary>As <see cref="Evaluate(long, Distributed.ICommunicator)"/>, each metric's evaluation run through
    /// <paramref name="run"/> (the loop's guard, so a failure names the metric rather than the evaluator).</summary>
    internal Dictionary<string, double> Evaluate(long size, Distributed.ICommunicator world,
        Func<BaseMetric, Func<IReadOnlyDictionary<string, double>>, IReadOnlyDictionary<string, double>> run)
    {
        var merged = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var metric in Metrics)
        {
            foreach (var (name, value) in run(metric, () => metric.Evaluate(size, world)))
            {
                if (!merged.TryAdd(name, value))
                    throw new RunnerException($"Two metrics both produced '{name}'; give one of them another prefix.");
            }
        }
        return merged;
    }
}
