using Runner.Sdk.Data;
using Runner.Sdk.Evaluation;
using Runner.Sdk.Registries;

namespace Runner.Plugins.Vision.Metrics;

/// <summary>
/// Precision, recall and F1 of a single-label classifier, in percent (mmpretrain's <c>SingleLabelMetric</c>): with
/// <c>average = "macro"</c> the mean over classes (<c>single-label/precision</c>…), with <c>average = "none"</c> one
/// value per class, named by the dataset's class names (<c>single-label/precision_cat</c>…). Reads predicted classes
/// from <c>pred_label</c>, truth from <c>labels</c>.
/// </summary>
/// <example><code>val_evaluator = [{ type = "Accuracy", topk = [1, 5] }, { type = "SingleLabelMetric", items = ["precision", "recall", "f1-score"] }]</code></example>
[Register]
public sealed class SingleLabelMetric : BaseMetric<long[]>
{
    private static readonly string[] Known = ["precision", "recall", "f1-score"];
    private readonly string[] _items;
    private readonly bool _perClass;
    private readonly int? _numClasses;

    /// <param name="items">Which values: <c>precision</c>, <c>recall</c>, <c>f1-score</c>.</param>
    /// <param name="average"><c>macro</c> (the mean over classes) or <c>none</c> (one value per class).</param>
    /// <param name="numClasses">The number of classes; default: the dataset's classes, else the largest label seen + 1.</param>
    public SingleLabelMetric(string[]? items = null, string average = "macro", [System.ComponentModel.DataAnnotations.Range(1, int.MaxValue)] int? numClasses = null)
    {
        _items = items ?? Known;
        if (_items.FirstOrDefault(i => !Known.Contains(i)) is { } unknown)
            throw new ArgumentException($"'{unknown}' is not one of {string.Join(", ", Known)}.", nameof(items));
        _perClass = average switch
        {
            "macro" => false,
            "none" => true,
            _ => throw new ArgumentException($"must be \"macro\" or \"none\", got \"{average}\".", nameof(average)),
        };
        _numClasses = numClasses;
    }

    /// <inheritdoc/>
    protected override string DefaultPrefix => "single-label";

    /// <inheritdoc/>
    public override void Process(DataBatch dataBatch, DataBatch predictions)
    {
        var truth = dataBatch[DataBatch.LabelsKey].view(-1).data<long>().ToArray();
        var predicted = predictions[DataBatch.PredLabelKey].view(-1).data<long>().ToArray();
        for (var i = 0; i < truth.Length; i++) Add([truth[i], predicted[i]]);
    }

    /// <inheritdoc/>
    protected override IReadOnlyDictionary<string, double> Compute(IReadOnlyList<long[]> results)
    {
        var names = ClassNames.Of(DatasetMeta);
        var classes = _numClasses ?? Math.Max(names?.Count ?? 0, results.Count == 0 ? 1 : (int)results.Max(r => Math.Max(r[0], r[1])) + 1);
        var matrix = ConfusionMatrix.Count(results, classes);
        var values = new Dictionary<string, double>();
        var perClass = Enumerable.Range(0, classes).Select(c =>
        {
            var truePositives = (double)matrix[c, c];
            var predictedAs = Enumerable.Range(0, classes).Sum(t => (double)matrix[t, c]);
            var actually = Enumerable.Range(0, classes).Sum(p => (double)matrix[c, p]);
            var precision = predictedAs == 0 ? 0 : 100 * truePositives / predictedAs;
            var recall = actually == 0 ? 0 : 100 * truePositives / actually;
            var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            return new Dictionary<string, double> { ["precision"] = precision, ["recall"] = recall, ["f1-score"] = f1 };
        }).ToList();
        foreach (var item in _items)
        {
            if (!_perClass) values[item] = perClass.Average(c => c[item]);
            else for (var c = 0; c < classes; c++) values[$"{item}_{(names is not null && c < names.Count ? names[c] : c.ToString(System.Globalization.CultureInfo.InvariantCulture))}"] = perClass[c][item];
        }
        return values;
    }
}

/// <summary>The class names a dataset put in its meta information, when it did.</summary>
internal static class ClassNames
{
    public static IReadOnlyList<string>? Of(IReadOnlyDictionary<string, object> datasetMeta) =>
        datasetMeta.TryGetValue("classes", out var classes) && classes is System.Collections.IEnumerable list and not string
            ? list.Cast<object>().Select(c => Convert.ToString(c, System.Globalization.CultureInfo.InvariantCulture) ?? "").ToList()
            : null;
}
