namespace Runner.Tests.Vision;

using Runner.Sdk.Data;
using Runner.Sdk.Evaluation;
using Runner.Tests.Support;
using static TorchSharp.torch;

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
        Assert.AreEqual(3 * 24, png.Width);
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
