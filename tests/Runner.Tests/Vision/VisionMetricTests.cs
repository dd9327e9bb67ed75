using Runner.Sdk.Data;
using Runner.Sdk.Evaluation;
using Runner.Tests.Support;
using static TorchSharp.torch;

namespace Runner.Tests.Vision;

[TestClass]
public sealed class VisionMetricTests
{
    /// <summary>Truth 0,0,1,1,2 and predictions 0,1,1,1,0: class 0 precision 50 recall 50, class 1 precision 66.7 recall 100, class 2 0 and 0.</summary>
    private static void Feed(BaseMetric metric)
    {
        using var batch = new DataBatch { [DataBatch.LabelsKey] = tensor(new long[] { 0, 0, 1, 1, 2 }) };
        using var predictions = new DataBatch { [DataBatch.PredLabelKey] = tensor(new long[] { 0, 1, 1, 1, 0 }) };
        metric.Process(batch, predictions);
    }

    [TestMethod]
    public void SingleLabelMetric_Macro_AveragesTheClasses()
    {
        var metric = VisionFixture.Build<BaseMetric>("type = \"SingleLabelMetric\"\nnum_classes = 3");
        Feed(metric);

        var values = metric.Evaluate(5);

        Assert.AreEqual((50 + 200.0 / 3 + 0) / 3, values["single-label/precision"], 1e-9);
        Assert.AreEqual((50 + 100 + 0) / 3.0, values["single-label/recall"], 1e-9);
        Assert.AreEqual((50 + 80 + 0) / 3.0, values["single-label/f1-score"], 1e-9);
    }

    [TestMethod]
    public void SingleLabelMetric_PerClass_IsNamedByTheDatasetsClasses()
    {
        var metric = VisionFixture.Build<BaseMetric>("type = \"SingleLabelMetric\"\naverage = \"none\"\nitems = [\"recall\"]");
        metric.DatasetMeta = new Dictionary<string, object> { ["classes"] = new List<object> { "cat", "dog", "eel\nfish" } };
        Feed(metric);

        var values = metric.Evaluate(5);

        CollectionAssert.AreEquivalent(new[] { "single-label/recall_cat", "single-label/recall_dog", "single-label/recall_eel_fish" }, values.Keys.ToArray());
        Assert.AreEqual(100.0, values["single-label/recall_dog"], 1e-9);
    }

    [TestMethod]
    public void ConfusionMatrix_WritesTheCountsAndAHeatMap_InVisData()
    {
        var visData = TestEnvironment.NewTempDir("vis");
        var metric = VisionFixture.Build<BaseMetric>("type = \"ConfusionMatrix\"", new Runner.Sdk.Visualization.VisContext(visData));
        Feed(metric);

        var values = metric.Evaluate(5);

        Assert.AreEqual(60.0, values["confusion_matrix/diagonal"], 1e-9);
        CollectionAssert.AreEqual(new[] { "true \\ predicted,0,1,2", "0,1,1,0", "1,0,2,0", "2,1,0,0" }, File.ReadAllLines(Path.Combine(visData, "confusion_matrix_1.csv")));
        using var png = SkiaSharp.SKBitmap.Decode(Path.Combine(visData, "confusion_matrix_1.png"));
        Assert.IsGreaterThan(3 * 48, png.Width, "the matrix, its labels and its colour bar");
        Assert.IsGreaterThan(3 * 48, png.Height);
    }

    /// <summary>
    /// The figure a person opens: drawn with and without its text, the two differ where the title, the class names on
    /// both axes, the counts and the colour bar's labels are. The figures stay in artifacts/test-figures to be looked at.
    /// </summary>
    [TestMethod]
    public void ConfusionMatrixFigure_HasClassNamesCountsTitleAndColourBar()
    {
        long[,] matrix = { { 50, 2, 0 }, { 3, 41, 6 }, { 0, 9, 38 } };
        string[] names = ["cat", "dog", "horse"];
        var figures = Path.Combine(TestEnvironment.RepoRoot, "artifacts", "test-figures");
        Directory.CreateDirectory(figures);

        var withText = VisionFixture.RenderConfusionMatrix(matrix, names, "Confusion matrix — val, epoch 3");
        var without = VisionFixture.RenderConfusionMatrix(matrix, names, "Confusion matrix — val, epoch 3", withText: false);
        File.WriteAllBytes(Path.Combine(figures, "confusion-matrix-3.png"), withText);
        var many = new long[200, 200];
        for (var i = 0; i < 200; i++) many[i, (i * 7) % 200] = 5;
        File.WriteAllBytes(Path.Combine(figures, "confusion-matrix-200.png"),
            VisionFixture.RenderConfusionMatrix(many, Enumerable.Range(0, 200).Select(i => $"class {i}").ToArray(), "Confusion matrix — test"));

        using var text = SkiaSharp.SKBitmap.Decode(withText);
        using var bare = SkiaSharp.SKBitmap.Decode(without);
        Assert.AreEqual(bare.Width, text.Width);
        // Where text is drawn: the title (top strip), the row names (left of the matrix), the column names (below it),
        // the counts (inside the cells) and the colour bar's labels (right edge).
        int Differing(int x0, int y0, int x1, int y1) =>
            Enumerable.Range(x0, x1 - x0).Sum(x => Enumerable.Range(y0, y1 - y0).Count(y => text.GetPixel(x, y) != bare.GetPixel(x, y)));
        Assert.IsGreaterThan(50, Differing(0, 0, text.Width, 40), "the title");
        Assert.IsGreaterThan(50, Differing(0, 40, 80, text.Height - 60), "the true classes' names and axis title");
        Assert.IsGreaterThan(50, Differing(80, text.Height - 80, text.Width - 100, text.Height), "the predicted classes' names and axis title");
        Assert.IsGreaterThan(50, Differing(text.Width - 60, 40, text.Width, text.Height - 80), "the colour bar's labels");
        Assert.IsGreaterThan(20, Differing(100, 50, text.Width - 120, 200), "the counts in the cells");
    }

    [TestMethod]
    public void ConfusionMatrix_QuotesClassNamesThatCsvWouldSplit()
    {
        var visData = TestEnvironment.NewTempDir("vis-names");
        var metric = VisionFixture.Build<BaseMetric>("type = \"ConfusionMatrix\"", new Runner.Sdk.Visualization.VisContext(visData));
        metric.DatasetMeta = new Dictionary<string, object> { ["classes"] = new List<object> { "cat, big", "dog \"rex\"", "eel\nfish" } };
        Feed(metric);

        metric.Evaluate(5);

        var text = File.ReadAllText(Path.Combine(visData, "confusion_matrix_1.csv"));
        StringAssert.StartsWith(text, "true \\ predicted,\"cat, big\",\"dog \"\"rex\"\"\",\"eel\nfish\"");
        StringAssert.Contains(text, "\n\"cat, big\",1,1,0");
    }

    [TestMethod]
    public void SingleLabelMetric_ManyClasses_CountsPerClass_WithoutADenseMatrix()
    {
        // 200,000 classes: a dense matrix would be 320 GB; the per-class counts are 4.8 MB.
        var metric = VisionFixture.Build<BaseMetric>("type = \"SingleLabelMetric\"\nnum_classes = 200_000");
        using var batch = new DataBatch { [DataBatch.LabelsKey] = tensor(new long[] { 5, 5, 199_999 }) };
        using var predictions = new DataBatch { [DataBatch.PredLabelKey] = tensor(new long[] { 5, 199_999, 199_999 }) };
        metric.Process(batch, predictions);

        var values = metric.Evaluate(3);

        // class 5: precision 100, recall 50; class 199,999: precision 50, recall 100; every other class 0.
        Assert.AreEqual(150.0 / 200_000, values["single-label/precision"], 1e-12);
        Assert.AreEqual(150.0 / 200_000, values["single-label/recall"], 1e-12);
    }

    [TestMethod]
    public void ConfusionMatrix_MoreClassesThanItTakes_IsAClearError()
    {
        var visData = TestEnvironment.NewTempDir("vis-many");
        var configured = Assert.ThrowsExactly<Runner.Sdk.Configuration.ConfigException>(() =>
            VisionFixture.Build<BaseMetric>("type = \"ConfusionMatrix\"\nnum_classes = 5000", new Runner.Sdk.Visualization.VisContext(visData)));
        StringAssert.Contains(configured.Message, "num_classes");

        var inferred = VisionFixture.Build<BaseMetric>("type = \"ConfusionMatrix\"", new Runner.Sdk.Visualization.VisContext(visData));
        using var batch = new DataBatch { [DataBatch.LabelsKey] = tensor(new long[] { 0, 4999 }) };
        using var predictions = new DataBatch { [DataBatch.PredLabelKey] = tensor(new long[] { 0, 1 }) };
        inferred.Process(batch, predictions);
        var error = Assert.Throws<InvalidOperationException>(() => inferred.Evaluate(2));
        StringAssert.Contains(error.Message, "ConfusionMatrix counts a dense classes × classes matrix, and 5,000 classes are more than it takes (4,096)");
        Assert.IsEmpty(Directory.GetFiles(visData));
    }

    [TestMethod]
    public void LabelOutsideTheClasses_IsAnErrorSayingToSetNumClasses()
    {
        var metric = VisionFixture.Build<BaseMetric>("type = \"SingleLabelMetric\"");
        using var batch = new DataBatch { [DataBatch.LabelsKey] = tensor(new long[] { 0, 3_000_000_000 }) };
        using var predictions = new DataBatch { [DataBatch.PredLabelKey] = tensor(new long[] { 0, 1 }) };
        metric.Process(batch, predictions);

        var error = Assert.Throws<InvalidOperationException>(() => metric.Evaluate(2));

        StringAssert.Contains(error.Message, "label 3,000,000,000 would make 3,000,000,001 classes (the dataset names 0): set num_classes if that is right.");
    }
}
