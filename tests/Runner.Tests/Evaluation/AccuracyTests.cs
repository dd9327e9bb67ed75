using Runner.Sdk.Data;
using Runner.Sdk.Evaluation.Metrics;
using static TorchSharp.torch;

namespace Runner.Tests.Evaluation;

[TestClass]
public sealed class AccuracyTests
{
    // Four samples, four classes. Ranks of the label in each row's scores: 1st, 2nd, 3rd, 4th.
    private static readonly float[,] Scores =
    {
        { 0.9f, 0.05f, 0.03f, 0.02f }, // label 0: top-1
        { 0.5f, 0.4f, 0.05f, 0.05f },  // label 1: top-2
        { 0.5f, 0.3f, 0.15f, 0.05f },  // label 2: top-3
        { 0.4f, 0.3f, 0.2f, 0.1f },    // label 3: top-4
    };

    private static IReadOnlyDictionary<string, double> Evaluate(Accuracy metric, params (float[,] Scores, long[] Labels)[] batches)
    {
        foreach (var (scores, labels) in batches)
        {
            using var data = new DataBatch { [DataBatch.LabelsKey] = tensor(labels) };
            using var predictions = new DataBatch { [DataBatch.ScoresKey] = tensor(scores), [DataBatch.PredLabelKey] = tensor(scores).argmax(1) };
            metric.Process(data, predictions);
        }
        return metric.Evaluate(batches.Sum(b => b.Labels.Length));
    }

    [TestMethod]
    public void TopK_CountsTheLabelAmongTheKHighestScores()
    {
        var metrics = Evaluate(new Accuracy([1, 2, 3]), (Scores, [0, 1, 2, 3]));

        Assert.AreEqual(25.0, metrics["accuracy/top1"]);
        Assert.AreEqual(50.0, metrics["accuracy/top2"]);
        Assert.AreEqual(75.0, metrics["accuracy/top3"]);
    }

    [TestMethod]
    public void Top1_OverSeveralBatches_IsTheShareOfAllSamples()
    {
        var metrics = Evaluate(new Accuracy(), (Scores, [0, 0, 0, 0]), (Scores, [0, 1, 1, 1]));

        Assert.AreEqual(100.0 * 5 / 8, metrics["accuracy/top1"]);
    }

    [TestMethod]
    public void TopK_LargerThanTheClasses_CountsEverySample()
    {
        var metrics = Evaluate(new Accuracy([1, 10]), (Scores, [3, 3, 3, 3]));

        Assert.AreEqual(0.0, metrics["accuracy/top1"]);
        Assert.AreEqual(100.0, metrics["accuracy/top10"]);
    }

    [TestMethod]
    public void PredLabelOnly_GivesTop1()
    {
        var metric = new Accuracy();
        using (var data = new DataBatch { [DataBatch.LabelsKey] = tensor(new long[] { 1, 2, 3 }) })
        using (var predictions = new DataBatch { [DataBatch.PredLabelKey] = tensor(new long[] { 1, 0, 3 }) })
            metric.Process(data, predictions);

        Assert.AreEqual(100.0 * 2 / 3, metric.Evaluate(3)["accuracy/top1"], 1e-12);
    }

    [TestMethod]
    public void Top1Alone_ReadsPredLabel_WhileTopK_ReadsTheScores()
    {
        // A model whose predicted class is not always its highest score (say, a thresholded "unknown" class 3).
        using var data = new DataBatch { [DataBatch.LabelsKey] = tensor(new long[] { 0, 1, 2, 3 }) };
        using var predictions = new DataBatch { [DataBatch.ScoresKey] = tensor(Scores), [DataBatch.PredLabelKey] = tensor(new long[] { 0, 1, 3, 3 }) };
        var top1 = new Accuracy();
        var topk = new Accuracy([1, 2]);

        top1.Process(data, predictions);
        topk.Process(data, predictions);

        Assert.AreEqual(75.0, top1.Evaluate(4)["accuracy/top1"], "pred_label: samples 0, 1 and 3 are right");
        var fromScores = topk.Evaluate(4);
        Assert.AreEqual(25.0, fromScores["accuracy/top1"], "scores: only sample 0 is right");
        Assert.AreEqual(50.0, fromScores["accuracy/top2"]);
    }
}
