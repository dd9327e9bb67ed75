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

    /// <summary>The most classes taken from the largest label seen, when neither <c>num_classes</c> nor the dataset
    /// names them: a larger label is far more likely a broken dataset than a class.</summary>
    public const long MaxInferredClasses = 1_000_000;

    /// <summary>The dataset's class names (its <c>metainfo.classes</c>), when it gave them.</summary>
    protected IReadOnlyList<string>? Names =>
        DatasetMeta.TryGetValue("classes", out var classes) && classes is System.Collections.IEnumerable list and not string
            ? list.Cast<object>().Select(c => Convert.ToString(c, CultureInfo.InvariantCulture) ?? "").ToList()
            : null;

    /// <summary>The name of each of <paramref name="classes"/> classes: the dataset's, or the number.</summary>
    protected IReadOnlyList<string> NamesOf(int classes)
    {
        var names = Names;
        return Enumerable.Range(0, classes).Select(c => names is not null && c < names.Count ? names[c] : c.ToString(CultureInfo.InvariantCulture)).ToList();
    }

    /// <summary>
    /// The number of classes of <paramref name="pairs"/>: <c>num_classes</c>, else the dataset's class names or the
    /// largest label seen + 1, whichever is more. A label outside them is an error.
    /// </summary>
    protected int ClassCount(IReadOnlyList<long[]> pairs)
    {
        var largest = pairs.Count == 0 ? 0 : pairs.Max(r => Math.Max(r[0], r[1]));
        var smallest = pairs.Count == 0 ? 0 : pairs.Min(r => Math.Min(r[0], r[1]));
        if (smallest < 0) throw new InvalidOperationException($"label {smallest} is not a class (labels count from 0).");
        if (_numClasses is { } given)
        {
            if (largest >= given) throw new InvalidOperationException($"label {largest} is outside the {given} classes of num_classes.");
            return given;
        }
        var named = Names?.Count ?? 0;
        if (largest >= Math.Max(named, MaxInferredClasses))
            throw new InvalidOperationException($"label {largest:N0} would make {largest + 1:N0} classes (the dataset names {named}): set num_classes if that is right.");
        return (int)Math.Max(named, largest + 1);
    }

    /// <summary>Per class: the samples rightly predicted as it, all predicted as it, and all truly of it.</summary>
    protected (long[] Right, long[] Predicted, long[] Actual) CountsPerClass(IReadOnlyList<long[]> pairs)
    {
        var classes = ClassCount(pairs);
        var (right, predicted, actual) = (new long[classes], new long[classes], new long[classes]);
        foreach (var pair in pairs)
        {
            actual[pair[0]]++;
            predicted[pair[1]]++;
            if (pair[0] == pair[1]) right[pair[0]]++;
        }
        return (right, predicted, actual);
    }

    /// <summary>The confusion counts [true, predicted] of <paramref name="pairs"/>, at most
    /// <paramref name="maxClasses"/> × <paramref name="maxClasses"/> (the matrix is dense).</summary>
    protected long[,] Confusion(IReadOnlyList<long[]> pairs, int maxClasses)
    {
        var classes = ClassCount(pairs);
        if (classes > maxClasses)
            throw new InvalidOperationException($"{GetType().Name} counts a dense classes × classes matrix, and {classes:N0} classes are more than it takes ({maxClasses:N0}): " +
                "leave it out for this dataset (SingleLabelMetric with average = \"none\" gives per-class precision and recall).");
        var matrix = new long[classes, classes];
        foreach (var pair in pairs) matrix[pair[0], pair[1]]++;
        return matrix;
    }
}
