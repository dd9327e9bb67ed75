using System.Globalization;
using Runner.Sdk.Data;
using Runner.Sdk.Evaluation;
using Runner.Sdk.Registries;
using Runner.Sdk.Visualization;
using SkiaSharp;

namespace Runner.Plugins.Vision.Metrics;

/// <summary>
/// The confusion matrix of a single-label classifier (mmpretrain's <c>ConfusionMatrix</c>): after each evaluation it
/// writes <c>vis_data/confusion_matrix_&lt;n&gt;.csv</c> (rows: true class, columns: predicted, with the class names) and
/// a heat map of it, <c>confusion_matrix_&lt;n&gt;.png</c> (row-normalised, darker is more), where <c>n</c> counts the
/// evaluations of the run. It reports the share of samples on the diagonal as <c>confusion_matrix/diagonal</c>.
/// </summary>
[Register]
public sealed class ConfusionMatrix : BaseMetric<long[]>
{
    private const int CellPixels = 24;
    private readonly VisContext _context;
    private readonly int? _numClasses;
    private int _evaluations;

    /// <param name="context">Where the figures go (the runner passes the run's <c>vis_data</c>).</param>
    /// <param name="numClasses">The number of classes; default: the dataset's classes, else the largest label seen + 1.</param>
    public ConfusionMatrix(VisContext context, [System.ComponentModel.DataAnnotations.Range(1, int.MaxValue)] int? numClasses = null)
    {
        _context = context;
        _numClasses = numClasses;
    }

    /// <inheritdoc/>
    protected override string DefaultPrefix => "confusion_matrix";

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
        var matrix = Count(results, classes);
        _evaluations++;
        Directory.CreateDirectory(_context.SaveDir);
        var stem = Path.Combine(_context.SaveDir, $"confusion_matrix_{_evaluations}");
        WriteCsv(matrix, names, stem + ".csv");
        WritePng(matrix, stem + ".png");
        var diagonal = Enumerable.Range(0, classes).Sum(c => (double)matrix[c, c]);
        return new Dictionary<string, double> { ["diagonal"] = results.Count == 0 ? 0 : 100 * diagonal / results.Count };
    }

    /// <summary>Counts (true, predicted) pairs; a label outside 0…<paramref name="classes"/>-1 is an error naming it.</summary>
    internal static long[,] Count(IReadOnlyList<long[]> pairs, int classes)
    {
        var matrix = new long[classes, classes];
        foreach (var pair in pairs)
        {
            if (pair[0] < 0 || pair[0] >= classes || pair[1] < 0 || pair[1] >= classes)
                throw new InvalidOperationException($"label {Math.Max(pair[0], pair[1])} is outside the {classes} classes: set num_classes.");
            matrix[pair[0], pair[1]]++;
        }
        return matrix;
    }

    private static void WriteCsv(long[,] matrix, IReadOnlyList<string>? names, string path)
    {
        var classes = matrix.GetLength(0);
        string Name(int c) => names is not null && c < names.Count ? names[c].Replace(',', ' ') : c.ToString(CultureInfo.InvariantCulture);
        var lines = new List<string> { "true \\ predicted," + string.Join(",", Enumerable.Range(0, classes).Select(Name)) };
        for (var t = 0; t < classes; t++)
            lines.Add(Name(t) + "," + string.Join(",", Enumerable.Range(0, classes).Select(p => matrix[t, p].ToString(CultureInfo.InvariantCulture))));
        File.WriteAllLines(path, lines);
    }

    private static void WritePng(long[,] matrix, string path)
    {
        var classes = matrix.GetLength(0);
        using var bitmap = new SKBitmap(classes * CellPixels, classes * CellPixels);
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        using var paint = new SKPaint { IsAntialias = false };
        for (var t = 0; t < classes; t++)
        {
            var total = Enumerable.Range(0, classes).Sum(p => (double)matrix[t, p]);
            for (var p = 0; p < classes; p++)
            {
                var share = total == 0 ? 0 : matrix[t, p] / total;
                var shade = (byte)Math.Round(255 * (1 - share));
                paint.Color = new SKColor(shade, shade, 255); // white → blue
                canvas.DrawRect(p * CellPixels, t * CellPixels, CellPixels - 1, CellPixels - 1, paint);
            }
        }
        using var encoded = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, encoded.ToArray());
    }
}
