namespace Runner.Sdk.Evaluation;

/// <summary>
/// A metric whose results all have one type (the usual case): <see cref="Add"/> keeps one from
/// <see cref="BaseMetric.Process"/>, and <see cref="Compute"/> receives them typed — no casts. The results are plain
/// data (numbers, arrays, records…): with several ranks they travel to rank 0 as JSON.
/// </summary>
/// <typeparam name="TResult">What <see cref="BaseMetric.Process"/> keeps per batch (or per sample).</typeparam>
/// <example>
/// <code>
/// [Register]
/// public sealed class ErrorRate : BaseMetric&lt;long[]&gt;
/// {
///     protected override string DefaultPrefix => "error";
///
///     public override void Process(DataBatch dataBatch, DataBatch predictions)
///     {
///         var labels = dataBatch[DataBatch.LabelsKey].view(-1);
///         Add([predictions[DataBatch.PredLabelKey].view(-1).ne(labels).sum().item&lt;long&gt;(), labels.shape[0]]);
///     }
///
///     protected override IReadOnlyDictionary&lt;string, double&gt; Compute(IReadOnlyList&lt;long[]&gt; results) =>
///         new Dictionary&lt;string, double&gt; { ["rate"] = 100.0 * results.Sum(r => r[0]) / Math.Max(1, results.Sum(r => r[1])) };
/// }
/// </code>
/// </example>
public abstract class BaseMetric<TResult> : BaseMetric where TResult : notnull
{
    /// <summary>Keeps one result of the batch being processed.</summary>
    protected void Add(TResult result) => Results.Add(result);

    /// <summary>Reduces all results (every rank's, in one process's order for per-sample results) to named values.</summary>
    protected abstract IReadOnlyDictionary<string, double> Compute(IReadOnlyList<TResult> results);

    /// <summary>Calls <see cref="Compute"/> with the results typed.</summary>
    public sealed override IReadOnlyDictionary<string, double> ComputeMetrics(IReadOnlyList<object> results) =>
        Compute(results.Select(result => (TResult)result).ToList());
}
