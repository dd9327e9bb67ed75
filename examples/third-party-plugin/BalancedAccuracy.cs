using Runner.Sdk.Data;
using Runner.Sdk.Evaluation;
using Runner.Sdk.Registries;
using static TorchSharp.torch;

namespace ThirdParty.Metrics;

/// <summary>
/// Balanced accuracy in percent: the mean of the per-class recalls, so a rare class counts as much as a common one.
/// Reported as <c>balanced/accuracy</c>; reads predicted classes from <c>pred_label</c>, truth from <c>labels</c>.
/// </summary>
[Register]
public sealed class BalancedAccuracy : BaseMetric<(long Label, long Predicted)[]>
{
    protected override string DefaultPrefix => "balanced";

    public override void Process(DataBatch dataBatch, DataBatch predictions)
    {
        using var scope = NewDisposeScope();
        var labels = dataBatch[DataBatch.LabelsKey].to(CPU).to(int64).data<long>().ToArray();
        var predicted = predictions[DataBatch.PredLabelKey].to(CPU).to(int64).data<long>().ToArray();
        Add(labels.Zip(predicted).ToArray());
    }

    protected override IReadOnlyDictionary<string, double> Compute(IReadOnlyList<(long Label, long Predicted)[]> results)
    {
        var pairs = results.SelectMany(p => p).ToList();
        var recalls = pairs.GroupBy(p => p.Label).Select(g => g.Count(p => p.Predicted == g.Key) / (double)g.Count()).ToList();
        return new Dictionary<string, double> { ["accuracy"] = recalls.Count == 0 ? 0 : 100 * recalls.Average() };
    }
}
