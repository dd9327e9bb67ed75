namespace Runner.Sdk.Evaluation.Metrics;

using Runner.Sdk.Data;
using Runner.Sdk.Registries;
using static TorchSharp.torch;

/// <summary>
/// Top-k classification accuracy in percent, reported as <c>accuracy/top1</c>, <c>accuracy/top5</c>… (the names
/// mmpretrain's <c>Accuracy</c> uses). Reads class scores from the predictions' <c>scores</c> field, or, for top-1
/// only, predicted classes from <c>pred_label</c>; ground truth from the batch's <c>labels</c>.
/// </summary>
[Register]
public sealed class Accuracy : BaseMetric
{
    private readonly int[] _topk;

    /// <param name="topk">The k values to report.</param>
    public Accuracy(int[]? topk = null)
    {
        _topk = topk ?? [1];
        if (_topk.Length == 0 || _topk.Any(k => k < 1)) throw new ArgumentException("topk must list positive integers.");
    }

    protected override string DefaultPrefix => "accuracy";

    public override void Process(DataBatch dataBatch, DataBatch predictions)
    {
        using var scope = NewDisposeScope();
        var labels = dataBatch[DataBatch.LabelsKey].to(CPU).view(-1, 1);
        var counts = new long[_topk.Length + 1];
        counts[^1] = labels.shape[0];
        if (predictions.TryGet(DataBatch.ScoresKey, out var scores))
        {
            var maxK = Math.Min(_topk.Max(), (int)scores.shape[^1]);
            var top = scores.to(CPU).topk(maxK, dim: 1).indexes;
            var hits = top.eq(labels);
            for (var i = 0; i < _topk.Length; i++)
                counts[i] = hits[.., ..Math.Min(_topk[i], maxK)].any(1).sum().item<long>();
        }
        else
        {
            if (_topk.Any(k => k != 1)) throw new RunnerException("Accuracy with topk > 1 needs 'scores' in the predictions.");
            var predicted = predictions[DataBatch.PredLabelKey].to(CPU).view(-1, 1);
            counts[0] = predicted.eq(labels).sum().item<long>();
        }
        Results.Add(counts);
    }

    public override IReadOnlyDictionary<string, double> ComputeMetrics(IReadOnlyList<object> results)
    {
        var totals = new long[_topk.Length + 1];
        foreach (long[] counts in results)
            for (var i = 0; i < totals.Length; i++) totals[i] += counts[i];
        var metrics = new Dictionary<string, double>();
        for (var i = 0; i < _topk.Length; i++)
            metrics[$"top{_topk[i]}"] = totals[^1] == 0 ? 0 : 100.0 * totals[i] / totals[^1];
        return metrics;
    }
}
