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
public sealed class SingleLabelMetric : LabelPairMetric
{
    private static readonly string[] Known = ["precision", "recall", "f1-score"];
    private readonly string[] _items;
    private readonly bool _perClass;

    /// <param name="items">Which values: <c>precision</c>, <c>recall</c>, <c>f1-score</c>.</param>
    /// <param name="average"><c>macro</c> (the mean over classes) or <c>none</c> (one value per class).</param>
    /// <param name="numClasses">The number of classes; default: the dataset's classes, else the largest label seen + 1.</param>
    public SingleLabelMetric(string[]? items = null, string average = "macro", [System.ComponentModel.DataAnnotations.Range(1, int.MaxValue)] int? numClasses = null)
        : base(numClasses)
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
    }

    /// <inheritdoc/>
    protected override string DefaultPrefix => "single-label";

    /// <inheritdoc/>
    protected override IReadOnlyDictionary<string, double> Compute(IReadOnlyList<long[]> results)
    {
        var (right, predicted, actual) = CountsPerClass(results);
        var classes = right.Length;
        var values = new Dictionary<string, double>();
        var perClass = Enumerable.Range(0, classes).Select(c =>
        {
            var precision = predicted[c] == 0 ? 0 : 100.0 * right[c] / predicted[c];
            var recall = actual[c] == 0 ? 0 : 100.0 * right[c] / actual[c];
            var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            return new Dictionary<string, double> { ["precision"] = precision, ["recall"] = recall, ["f1-score"] = f1 };
        }).ToList();
        // Class names become value names, which log lines and records carry: control characters (a line break in a
        // folder name) would break them.
        var names = _perClass ? NamesOf(classes).Select(n => string.Concat(n.Select(ch => char.IsControl(ch) ? '_' : ch))).ToList() : [];
        foreach (var item in _items)
        {
            if (!_perClass) values[item] = perClass.Average(c => c[item]);
            else for (var c = 0; c < classes; c++) values[$"{item}_{names[c]}"] = perClass[c][item];
        }
        return values;
    }
}
