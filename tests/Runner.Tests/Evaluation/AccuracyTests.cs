namespace Runner.Tests.Evaluation;

using Runner.Sdk.Data;
using Runner.Sdk.Evaluation.Metrics;
using static TorchSharp.torch;

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
}
