using System.Globalization;
using Runner.Sdk.Registries;
using Runner.Sdk.Visualization;

namespace Runner.Plugins.Vision.Metrics;

/// <summary>
/// The confusion matrix of a single-label classifier (mmpretrain's <c>ConfusionMatrix</c>): after each evaluation it
/// writes <c>vis_data/confusion_matrix_&lt;n&gt;.csv</c> (rows: true class, columns: predicted, with the class names) and
/// a heat map of it, <c>confusion_matrix_&lt;n&gt;.png</c> (row-normalised, darker is more), where <c>n</c> counts the
/// evaluations of the run. It reports the share of samples on the diagonal as <c>confusion_matrix/diagonal</c>.
/// </summary>
[Register]
public sealed class ConfusionMatrix : LabelPairMetric
{
    /// <summary>The most classes it counts (its matrix is dense: 4,096² counts are 134 MB).</summary>
    public const int MaxClasses = 4096;

    /// <summary>The heat map's cells are 24 pixels wide, smaller for many classes so the image stays near this width.</summary>
    private const int CellPixels = 24;
    private const int HeatMapPixels = 2400;
    private readonly VisContext _context;
    private int _evaluations;

    /// <param name="context">Where the figures go (the runner passes the run's <c>vis_data</c>).</param>
    /// <param name="numClasses">The number of classes (at most 4,096); default: the dataset's classes, else the largest label seen + 1.</param>
    public ConfusionMatrix(VisContext context, [System.ComponentModel.DataAnnotations.Range(1, MaxClasses)] int? numClasses = null)
        : base(numClasses) => _context = context;

    /// <inheritdoc/>
    protected override string DefaultPrefix => "confusion_matrix";

    /// <inheritdoc/>
    protected override IReadOnlyDictionary<string, double> Compute(IReadOnlyList<long[]> results)
    {
        var matrix = Confusion(results, MaxClasses);
        var classes = matrix.GetLength(0);
        _evaluations++;
        Directory.CreateDirectory(_context.SaveDir);
        var stem = Path.Combine(_context.SaveDir, $"confusion_matrix_{_evaluations}");
        WriteCsv(matrix, stem + ".csv");
        var title = $"Confusion matrix — {_context.Split}{(_context.Step > 0 ? $", {_context.MetricStep} {_context.Step}" : "")}";
        File.WriteAllBytes(stem + ".png", ConfusionMatrixFigure.Render(matrix, NamesOf(classes), title));
        var diagonal = Enumerable.Range(0, classes).Sum(c => (double)matrix[c, c]);
        return new Dictionary<string, double> { ["diagonal"] = results.Count == 0 ? 0 : 100 * diagonal / results.Count };
    }

    private void WriteCsv(long[,] matrix, string path)
    {
        var classes = matrix.GetLength(0);
        var names = NamesOf(classes);
        // Class names are folder names or the dataset's: quoted as CSV asks when they hold a comma, quote or line break.
        string Name(int c) => names[c].AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + names[c].Replace("\"", "\"\"") + "\"" : names[c];
        var lines = new List<string> { "true \\ predicted," + string.Join(",", Enumerable.Range(0, classes).Select(Name)) };
        for (var t = 0; t < classes; t++)
            lines.Add(Name(t) + "," + string.Join(",", Enumerable.Range(0, classes).Select(p => matrix[t, p].ToString(CultureInfo.InvariantCulture))));
        File.WriteAllLines(path, lines);
    }
}
