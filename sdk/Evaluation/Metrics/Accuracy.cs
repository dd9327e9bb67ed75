using Runner.Sdk.Data;
using Runner.Sdk.Registries;
using static TorchSharp.torch;

namespace Runner.Sdk.Evaluation.Metrics;

/// <summary>
/// Top-k classification accuracy in percent, reported as <c>accuracy/top1</c>, <c>accuracy/top5</c>… (the names
/// mmpretrain's <c>Accuracy</c> uses); ground truth from the batch's <c>labels</c>. Top-1 alone is read from the
/// predictions' <c>pred_label</c> (the class the model predicts) when they have one, else from the highest of their
/// <c>scores</c>; any other k from the k highest scores. (mmpretrain reads scores first; the two agree whenever
/// pred_label is the highest score, as <c>ClassificationOutput</c> makes it, and pred_label saves a pass over the scores.)
/// </summary>
[Register]
internal sealed class Accuracy : BaseMetric<long[]>
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
        if (_topk.All(k => k == 1) && predictions.TryGet(DataBatch.PredLabelKey, out var predicted))
        {
            // Top-1 is the predicted class: the model's pred_label (the first highest score, for ClassificationOutput).
            counts[0] = Flat(OnCpu(predicted)).eq(labels).sum().item<long>();
            Array.Fill(counts, counts[0], 0, _topk.Length);
        }
        else if (predictions.TryGet(DataBatch.ScoresKey, out var scores))
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
            throw new RunnerException(_topk.Any(k => k != 1)
                ? "Accuracy with topk > 1 needs 'scores' in the predictions."
                : "Accuracy needs 'pred_label' or 'scores' in the predictions.");
        }
        Add(counts);
    }

    private static Tensor OnCpu(Tensor tensor) => tensor.device_type == TorchSharp.DeviceType.CPU ? tensor : tensor.to(CPU);

    private static Tensor Flat(Tensor tensor) => tensor.dim() == 1 ? tensor : tensor.view(-1);

    protected override IReadOnlyDictionary<string, double> Compute(IReadOnlyList<long[]> results)
    {
        var totals = new long[_topk.Length + 1];
        foreach (var counts in results)
            for (var i = 0; i < totals.Length; i++) totals[i] += counts[i];
        var metrics = new Dictionary<string, double>();
        for (var i = 0; i < _topk.Length; i++)
            metrics[$"top{_topk[i]}"] = totals[^1] == 0 ? 0 : 100.0 * totals[i] / totals[^1];
        return metrics;
    }
}
