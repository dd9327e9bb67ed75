using Runner.Sdk.Data;
using Runner.Sdk.Registries;
using Runner.Sdk.Storage;

namespace Runner.Sdk.Evaluation.Metrics;

/// <summary>
/// Writes every prediction of the loop to <c>out_file_path</c> (MMEngine's <c>DumpResults</c>, which pickles them;
/// here JSON lines, readable by any language): one record per sample, in the order the loader gave them, with
/// mmpretrain's field names (<see cref="PredictionRecords"/>: <c>sample_idx</c>, <c>img_path</c>, <c>pred_label</c>,
/// <c>pred_class</c>, <c>pred_score</c>, <c>gt_label</c>, then the model's other outputs). It reports no metric.
/// <c>runner-host test --out FILE</c> adds it to the test evaluator.
/// </summary>
[Register]
internal sealed class DumpResults : BaseMetric<string>
{
    /// <param name="outFilePath">The file to write (JSON lines), replaced atomically at the end of the loop.</param>
    public DumpResults(string outFilePath)
    {
        if (string.IsNullOrWhiteSpace(outFilePath)) throw new ArgumentException("out_file_path must name a file.", nameof(outFilePath));
        OutFilePath = Path.GetFullPath(outFilePath);
    }

    public string OutFilePath { get; }

    public override void Process(DataBatch dataBatch, DataBatch predictions)
    {
        foreach (var record in PredictionRecords.Of(dataBatch, predictions, _classes ??= PredictionRecords.ClassesOf(DatasetMeta) ?? []))
            Add(PlainData.ToJson(record));
    }

    private IReadOnlyList<string>? _classes;

    /// <summary>One result per sample: with several ranks, rank 0 puts them back into the loader's order of one process.</summary>
    protected override bool ResultsPerSample => true;

    protected override IReadOnlyDictionary<string, double> Compute(IReadOnlyList<string> results)
    {
        PredictionRecords.Write(OutFilePath, results);
        return new Dictionary<string, double>();
    }
}
