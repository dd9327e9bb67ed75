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
        // Runs once per validation batch: as few tensor operations as the answer needs (each costs microseconds).
        using var scope = NewDisposeScope();
        var labels = Flat(OnCpu(dataBatch[DataBatch.LabelsKey]));
        var counts = new long[_topk.Length + 1];
        counts[^1] = labels.shape[0];
        if (predictions.TryGet(DataBatch.ScoresKey, out var scores))
        {
            var maxK = Math.Min(_topk.Max(), (int)scores.shape[^1]);
            if (maxK == 1)
            {
                // The top-1 class is the first highest score.
                var hits = OnCpu(scores).argmax(1).eq(labels).sum().item<long>();
                Array.Fill(counts, hits, 0, _topk.Length);
            }
            else
            {
                // hitsAt[j]: samples whose label is the (j+1)-th highest score; top-k hits are the sum up to k.
                var hitsAt = OnCpu(scores).topk(maxK, dim: 1).indexes.eq(labels.view(-1, 1)).sum(0, type: ScalarType.Int64).data<long>().ToArray();
                for (var i = 0; i < _topk.Length; i++)
                    counts[i] = hitsAt.Take(Math.Min(_topk[i], maxK)).Sum();
            }
        }
        else
        {
            if (_topk.Any(k => k != 1)) throw new RunnerException("Accuracy with topk > 1 needs 'scores' in the predictions.");
            counts[0] = Flat(OnCpu(predictions[DataBatch.PredLabelKey])).eq(labels).sum().item<long>();
        }
        Results.Add(counts);
    }

    private static Tensor OnCpu(Tensor tensor) => tensor.device_type == TorchSharp.DeviceType.CPU ? tensor : tensor.to(CPU);

    private static Tensor Flat(Tensor tensor) => tensor.dim() == 1 ? tensor : tensor.view(-1);

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
