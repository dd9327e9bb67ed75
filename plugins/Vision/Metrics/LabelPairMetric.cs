using System.Globalization;
using Runner.Sdk.Data;
using Runner.Sdk.Evaluation;

namespace Runner.Plugins.Vision.Metrics;

/// <summary>
/// A metric of a single-label classifier's (true, predicted) class pairs, one per sample: it reads the truth from
/// <c>labels</c> and the prediction from <c>pred_label</c>, and counts the classes from <c>num_classes</c>, the
/// dataset's class names, or the largest label seen.
/// </summary>
public abstract class LabelPairMetric : BaseMetric<long[]>
{
    private readonly int? _numClasses;

    /// <param name="numClasses">The number of classes, or null to take it from the dataset or the labels.</param>
    protected LabelPairMetric(int? numClasses) => _numClasses = numClasses;

    /// <inheritdoc/>
    public override void Process(DataBatch dataBatch, DataBatch predictions)
    {
        var truth = dataBatch[DataBatch.LabelsKey].view(-1).data<long>().ToArray();
        var predicted = predictions[DataBatch.PredLabelKey].view(-1).data<long>().ToArray();
        for (var i = 0; i < truth.Length; i++) Add([truth[i], predicted[i]]);
    }

    /// <summary>The dataset's class names (its <c>metainfo.classes</c>), when it gave them.</summary>
    protected IReadOnlyList<string>? Names =>
        DatasetMeta.TryGetValue("classes", out var classes) && classes is System.Collections.IEnumerable list and not string
            ? list.Cast<object>().Select(c => Convert.ToString(c, CultureInfo.InvariantCulture) ?? "").ToList()
            : null;

    /// <summary>The name of class <paramref name="index"/>: the dataset's, or the number.</summary>
    protected string NameOf(int index) => Names is { } names && index < names.Count ? names[index] : index.ToString(CultureInfo.InvariantCulture);

    /// <summary>The confusion counts [true, predicted] of <paramref name="pairs"/>.</summary>
    protected long[,] Confusion(IReadOnlyList<long[]> pairs)
    {
        var classes = _numClasses ?? Math.Max(Names?.Count ?? 0, pairs.Count == 0 ? 1 : (int)pairs.Max(r => Math.Max(r[0], r[1])) + 1);
        var matrix = new long[classes, classes];
        foreach (var pair in pairs)
        {
            if (pair[0] < 0 || pair[0] >= classes || pair[1] < 0 || pair[1] >= classes)
                throw new InvalidOperationException($"label {Math.Max(pair[0], pair[1])} is outside the {classes} classes: set num_classes.");
            matrix[pair[0], pair[1]]++;
        }
        return matrix;
    }
}
