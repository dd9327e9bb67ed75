using Runner.Sdk.Data;
using Runner.Sdk.Native;
using Runner.Sdk.Storage;
using static TorchSharp.torch;

namespace Runner.Sdk.Evaluation;

/// <summary>
/// A batch's predictions as one plain record per sample, with mmpretrain's field names — what <c>test --out</c>,
/// <c>predict</c> and <c>infer</c> write, and what the <c>Inferencer</c> returns:
/// <list type="bullet">
/// <item><c>sample_idx</c>: the sample's index in its dataset (when it came from one);</item>
/// <item><c>img_path</c>: the file the sample was read from (when the dataset names one);</item>
/// <item><c>pred_label</c>, <c>pred_class</c>: the predicted class and its name (from the dataset's <c>classes</c>);</item>
/// <item><c>pred_score</c>: the class probabilities (a classifier's softmax);</item>
/// <item><c>gt_label</c>: the true class, when the batch has it;</item>
/// <item>then every other field the model returned, under its own name (a classifier's logits as <c>scores</c>).</item>
/// </list>
/// Numbers are numbers, tensors nested lists of numbers.
/// </summary>
internal static class PredictionRecords
{
    /// <summary>The records of a batch, in batch order.</summary>
    /// <param name="dataBatch">The batch as the loader gave it (its labels, sample indices and facts).</param>
    /// <param name="predictions">The model's predictions for it.</param>
    /// <param name="classes">The class names in label order, or null.</param>
    public static List<Dictionary<string, object>> Of(DataBatch dataBatch, DataBatch predictions, IReadOnlyList<string>? classes)
    {
        using var scope = NewDisposeScope();
        var fields = predictions.Keys.ToDictionary(name => name, name => predictions[name].detach().cpu(), StringComparer.Ordinal);
        var labels = dataBatch.TryGet(DataBatch.LabelsKey, out var given) ? given.detach().cpu() : null;
        var samples = fields.Count == 0 ? 0 : fields.Values.Min(RowsOf);
        var records = new List<Dictionary<string, object>>((int)samples);
        for (var i = 0; i < samples; i++)
        {
            var record = new Dictionary<string, object>(StringComparer.Ordinal);
            if (dataBatch.SampleIndices is { } indices && i < indices.Count) record["sample_idx"] = indices[i];
            if (dataBatch.SampleInfo is { } info && i < info.Count && info[i].TryGetValue("img_path", out var path) && path is string file) record["img_path"] = file;
            if (fields.TryGetValue(DataBatch.PredLabelKey, out var predicted))
            {
                var label = (long)Plain(Row(predicted, i));
                record[DataBatch.PredLabelKey] = label;
                if (classes is not null && label >= 0 && label < classes.Count) record["pred_class"] = classes[(int)label];
            }
            if (fields.TryGetValue(DataBatch.PredScoreKey, out var probabilities)) record[DataBatch.PredScoreKey] = Plain(Row(probabilities, i));
            if (labels is not null) record["gt_label"] = Plain(Row(labels, i));
            foreach (var (name, values) in fields)
                if (name is not (DataBatch.PredLabelKey or DataBatch.PredScoreKey)) record[name] = Plain(Row(values, i));
            records.Add(record);
        }
        return records;
    }

    /// <summary>
    /// Writes records (each one line of JSON) to <paramref name="path"/>, one per line, as <c>--out</c> writes any file
    /// (<see cref="UserOutputFile"/>: a regular file replaced atomically, a device or FIFO written in place); a missing
    /// folder is made. A failure of the disk is one error naming the file.
    /// </summary>
    public static void Write(string path, IEnumerable<string> jsonLines)
    {
        try
        {
            if (FileKinds.OfEntry(path) == FileKind.Missing) Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            var text = System.Text.Encoding.UTF8.GetBytes(string.Concat(jsonLines.Select(line => line + "\n")));
            UserOutputFile.Write(path, stream => stream.Write(text), "the predictions file");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RunnerException($"Could not write the predictions to '{path}': {(e.InnerException ?? e).Message}", e);
        }
    }

    /// <summary>The class names a dataset's meta information (or a checkpoint's <c>dataset_meta</c>) lists, or null.</summary>
    public static IReadOnlyList<string>? ClassesOf(IReadOnlyDictionary<string, object>? datasetMeta) =>
        datasetMeta is not null && datasetMeta.TryGetValue("classes", out var classes) && classes is IEnumerable<object> names
            ? names.Select(name => name as string ?? Convert.ToString(name, System.Globalization.CultureInfo.InvariantCulture) ?? "").ToList()
            : null;

    private static long RowsOf(Tensor tensor) => tensor.dim() == 0 ? 1 : tensor.shape[0];

    private static Tensor Row(Tensor tensor, long i) => tensor.dim() == 0 ? tensor : tensor[i];

    /// <summary>A tensor as a number, or as nested lists of numbers.</summary>
    private static object Plain(Tensor tensor)
    {
        if (tensor.dim() > 0) return Enumerable.Range(0, (int)tensor.shape[0]).Select(j => Plain(tensor[j])).ToList();
        var integral = tensor.dtype is ScalarType.Int64 or ScalarType.Int32 or ScalarType.Int16 or ScalarType.Int8 or ScalarType.Byte or ScalarType.Bool;
        // Boxed apart: a conditional of long and double would be a double, and class indices would read 3.0.
        return integral ? (object)tensor.to_type(ScalarType.Int64).item<long>() : tensor.to_type(ScalarType.Float64).item<double>();
    }
}
