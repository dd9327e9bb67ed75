using Runner.Sdk.Data;
using Runner.Sdk.Evaluation;
using Runner.Sdk.Registries;
using static TorchSharp.torch;

namespace MyPlugin;

/// <summary>The error rate in percent (100 − accuracy), reported as <c>error/rate</c>.</summary>
[Register]
public sealed class MyMetric : BaseMetric<long[]>
{
    protected override string DefaultPrefix => "error";

    public override void Process(DataBatch dataBatch, DataBatch predictions)
    {
        using var scope = NewDisposeScope();
        var labels = dataBatch[DataBatch.LabelsKey].to(CPU).view(-1);
        var predicted = predictions[DataBatch.PredLabelKey].to(CPU).view(-1);
        Add([predicted.ne(labels).sum().item<long>(), labels.shape[0]]);
    }

    protected override IReadOnlyDictionary<string, double> Compute(IReadOnlyList<long[]> results)
    {
        long wrong = results.Sum(r => r[0]), total = results.Sum(r => r[1]);
        return new Dictionary<string, double> { ["rate"] = total == 0 ? 0 : 100.0 * wrong / total };
    }
}
