namespace Runner.Sdk.Evaluation.Metrics;

using Runner.Sdk.Checkpoints;
using Runner.Sdk.Data;
using Runner.Sdk.Registries;
using static TorchSharp.torch;

/// <summary>
/// Writes every prediction of the loop to <c>out_file_path</c> (MMEngine's <c>DumpResults</c>, which pickles them;
/// here JSON lines, readable by any language): one object per sample, in the order the loader gave them —
/// <c>index</c>, then each prediction the model returned (<c>pred_label</c>, <c>scores</c>…) and the ground truth
/// <c>labels</c> when the batch has them, as numbers or lists of numbers. It reports no metric.
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
        using var scope = NewDisposeScope();
        var columns = new List<(string Name, Tensor Values)>();
        foreach (var name in predictions.Keys) columns.Add((name, predictions[name].detach().cpu()));
        if (dataBatch.TryGet(DataBatch.LabelsKey, out var labels)) columns.Add((DataBatch.LabelsKey, labels.detach().cpu()));
        var samples = columns.Count == 0 ? 0 : columns.Min(c => c.Values.dim() == 0 ? 1 : c.Values.shape[0]);
        for (var i = 0; i < samples; i++)
        {
            var row = new Dictionary<string, object>();
            foreach (var (name, values) in columns) row[name] = Plain(values.dim() == 0 ? values : values[i]);
            Add(PlainData.ToJson(row));
        }
    }

    private static string WithIndex(string row, int index) =>
        row == "{}" ? $"{{\"index\":{index}}}" : $"{{\"index\":{index},{row[1..]}";

    /// <summary>A tensor as a number, or as nested lists of numbers.</summary>
    private static object Plain(Tensor tensor)
    {
        if (tensor.dim() > 0) return Enumerable.Range(0, (int)tensor.shape[0]).Select(j => Plain(tensor[j])).ToList();
        var integral = tensor.dtype is ScalarType.Int64 or ScalarType.Int32 or ScalarType.Int16 or ScalarType.Int8 or ScalarType.Byte or ScalarType.Bool;
        return integral ? tensor.to_type(ScalarType.Int64).item<long>() : tensor.to_type(ScalarType.Float64).item<double>();
    }

    /// <summary>One result per sample: with several ranks, rank 0 puts them back into the loader's order of one process.</summary>
    protected override bool ResultsPerSample => true;

    protected override IReadOnlyDictionary<string, double> Compute(IReadOnlyList<string> results)
    {
        try
        {
            if (Native.FileKinds.OfEntry(OutFilePath) == Native.FileKind.Missing) Directory.CreateDirectory(Path.GetDirectoryName(OutFilePath)!);
            // The index goes first, numbered here, after the ranks' rows are back in order.
            var text = System.Text.Encoding.UTF8.GetBytes(string.Concat(results.Select((row, index) => WithIndex(row, index) + "\n")));
            UserOutputFile.Write(OutFilePath, stream => stream.Write(text), "the predictions file");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RunnerException($"Could not write the predictions to '{OutFilePath}': {(e.InnerException ?? e).Message}", e);
        }
        return new Dictionary<string, double>();
    }
}
