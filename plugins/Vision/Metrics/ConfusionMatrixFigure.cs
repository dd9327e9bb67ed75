using System.Globalization;
using SkiaSharp;

namespace Runner.Plugins.Vision.Metrics;

/// <summary>
/// The confusion matrix as a picture worth opening (mmpretrain's is the model): a title naming the split and step,
/// class names on both axes, each row coloured by its share of the row's samples (white → blue) with a colour bar,
/// and the counts in the cells when they fit. Hundreds of classes still draw: names and counts give way first.
/// </summary>
public static class ConfusionMatrixFigure
{
    private const int MatrixPixels = 640;
    private const int LargestCell = 48;
    private const int Margin = 16;
    private const float LabelSize = 12;
    private const float TitleSize = 15;
    private const int MaxLabelPixels = 150;

    /// <summary>The figure of <paramref name="matrix"/> (rows: true class, columns: predicted), as PNG bytes.</summary>
    /// <param name="matrix">Counts, [true, predicted].</param>
    /// <param name="names">The class names, one per row.</param>
    /// <param name="title">The title, e.g. "Confusion matrix — val, epoch 3".</param>
    /// <param name="withText">False draws the same figure without any text (for tests that check the text is drawn).</param>
    public static byte[] Render(long[,] matrix, IReadOnlyList<string> names, string title, bool withText = true)
    {
        var classes = matrix.GetLength(0);
        var cell = Math.Clamp(MatrixPixels / Math.Max(1, classes), 1, LargestCell);
        var side = cell * classes;
        using var regular = Typeface(bold: false);
        using var bold = Typeface(bold: true);
        using var labelFont = new SKFont(regular, LabelSize);
        using var titleFont = new SKFont(bold, TitleSize);
        using var countFont = new SKFont(regular, Math.Min(LabelSize, cell * 0.38f));

        // Names shown when each has room for a line of text; counts when the largest fits its cell.
        var showNames = cell >= LabelSize + 2;
        var shownNames = names.Select(n => Shorten(n, labelFont)).ToList();
        var labelWidth = showNames ? (int)Math.Ceiling(shownNames.Max(n => labelFont.MeasureText(n))) : 0;
        var largest = Enumerable.Range(0, classes).SelectMany(t => Enumerable.Range(0, classes).Select(p => matrix[t, p])).DefaultIfEmpty(0).Max();
        var showCounts = cell >= 18 && countFont.MeasureText(largest.ToString(CultureInfo.InvariantCulture)) <= cell - 4;

        var left = Margin + (int)LabelSize + 8 + labelWidth + 6; // axis title, names, gap
        var top = Margin + (int)TitleSize + 14;
        var bottom = 6 + labelWidth + 8 + (int)LabelSize + Margin; // names (rotated), axis title
        var colourBar = 16;
        var width = Math.Max(left + side + 24 + colourBar + 48 + Margin, Margin + (int)Math.Ceiling(titleFont.MeasureText(title)) + Margin);
        var height = top + side + bottom;

        using var bitmap = new SKBitmap(width, height);
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        using var fill = new SKPaint { IsAntialias = false };
        using var ink = new SKPaint { IsAntialias = true, Color = SKColors.Black };
        using var light = new SKPaint { IsAntialias = true, Color = SKColors.White };

        for (var t = 0; t < classes; t++)
        {
            var total = Enumerable.Range(0, classes).Sum(p => (double)matrix[t, p]);
            for (var p = 0; p < classes; p++)
            {
                var share = total == 0 ? 0 : matrix[t, p] / total;
                fill.Color = Shade(share);
                var gap = cell > 3 ? 1 : 0;
                canvas.DrawRect(left + p * cell, top + t * cell, cell - gap, cell - gap, fill);
                if (withText && showCounts && matrix[t, p] > 0)
                {
                    var text = matrix[t, p].ToString(CultureInfo.InvariantCulture);
                    var x = left + p * cell + (cell - countFont.MeasureText(text)) / 2;
                    canvas.DrawText(text, x, top + t * cell + cell / 2f + countFont.Size * 0.35f, countFont, share > 0.5 ? light : ink);
                }
            }
        }

        // The colour bar: the share of a row's samples, 0 to 100 %.
        var barLeft = left + side + 24;
        for (var y = 0; y < side; y++)
        {
            fill.Color = Shade(1 - (double)y / Math.Max(1, side - 1));
            canvas.DrawRect(barLeft, top + y, colourBar, 1, fill);
        }
        using var frame = new SKPaint { IsAntialias = false, Style = SKPaintStyle.Stroke, Color = SKColors.Gray };
        canvas.DrawRect(barLeft, top, colourBar, side, frame);
        canvas.DrawRect(left, top, side, side, frame);
        if (!withText) return Encode(bitmap);

        canvas.DrawText(title, Margin, Margin + TitleSize, titleFont, ink);
        foreach (var (share, label) in new[] { (1.0, "100 %"), (0.5, "50 %"), (0.0, "0 %") })
            canvas.DrawText(label, barLeft + colourBar + 5, top + (float)((1 - share) * (side - 1)) + LabelSize * 0.35f, labelFont, ink);
        if (showNames)
        {
            for (var c = 0; c < classes; c++)
            {
                var name = shownNames[c];
                // True classes down the left, right-aligned; predicted classes along the bottom, turned to read upwards.
                canvas.DrawText(name, left - 6 - labelFont.MeasureText(name), top + c * cell + cell / 2f + LabelSize * 0.35f, labelFont, ink);
                canvas.Save();
                canvas.Translate(left + c * cell + cell / 2f + LabelSize * 0.35f, top + side + 6);
                canvas.RotateDegrees(-90);
                canvas.DrawText(name, -labelFont.MeasureText(name), 0, labelFont, ink);
                canvas.Restore();
            }
        }
        canvas.DrawText("predicted class", left + (side - labelFont.MeasureText("predicted class")) / 2, height - Margin, labelFont, ink);
        canvas.Save();
        canvas.Translate(Margin + LabelSize, top + (side + labelFont.MeasureText("true class")) / 2);
        canvas.RotateDegrees(-90);
        canvas.DrawText("true class", 0, 0, labelFont, ink);
        canvas.Restore();
        return Encode(bitmap);
    }

    private static SKColor Shade(double share)
    {
        var shade = (byte)Math.Round(255 * (1 - Math.Clamp(share, 0, 1) * 0.85)); // white to a blue dark enough for white text
        return new SKColor(shade, shade, 255);
    }

    private static string Shorten(string name, SKFont font)
    {
        if (font.MeasureText(name) <= MaxLabelPixels) return name;
        var cut = name;
        while (cut.Length > 1 && font.MeasureText(cut + "…") > MaxLabelPixels) cut = cut[..^1];
        return cut + "…";
    }

    private static byte[] Encode(SKBitmap bitmap)
    {
        using var encoded = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return encoded.ToArray();
    }

    /// <summary>
    /// DejaVu Sans, which Runner.Sdk carries for its plots (a machine without system fonts would otherwise get a
    /// figure without any text); the system's default typeface if it cannot be read.
    /// </summary>
    private static SKTypeface Typeface(bool bold)
    {
        using var stream = typeof(Runner.Sdk.RunnerInfo).Assembly.GetManifestResourceStream(bold ? "Runner.Sdk.Fonts.DejaVuSans-Bold.ttf" : "Runner.Sdk.Fonts.DejaVuSans.ttf");
        if (stream is null) return SKTypeface.FromFamilyName(null, bold ? SKFontStyle.Bold : SKFontStyle.Normal);
        using var bytes = new MemoryStream();
        stream.CopyTo(bytes);
        using var data = SKData.CreateCopy(bytes.ToArray());
        return SKTypeface.FromData(data) ?? SKTypeface.FromFamilyName(null, bold ? SKFontStyle.Bold : SKFontStyle.Normal);
    }
}
