namespace MyPlugin;

using Runner.Sdk.Data;
using Runner.Sdk.Evaluation;
using Runner.Sdk.Registries;
using static TorchSharp.torch;

/// <summary>The error rate in percent (100 − accuracy), reported as <c>error/rate</c>.</summary>
[Register]
public sealed class MyMetric : BaseMetric
{
    protected override string DefaultPrefix => "error";

    public override void Process(DataBatch dataBatch, DataBatch predictions)
    {
        using var scope = NewDisposeScope();
        var labels = dataBatch[DataBatch.LabelsKey].to(CPU).view(-1);
        var predicted = predictions[DataBatch.PredLabelKey].to(CPU).view(-1);
        Results.Add(new[] { predicted.ne(labels).sum().item<long>(), labels.shape[0] });
    }

    public override IReadOnlyDictionary<string, double> ComputeMetrics(IReadOnlyList<object> results)
    {
        long wrong = results.Cast<long[]>().Sum(r => r[0]), total = results.Cast<long[]>().Sum(r => r[1]);
        return new Dictionary<string, double> { ["rate"] = total == 0 ? 0 : 100.0 * wrong / total };
    }
}
