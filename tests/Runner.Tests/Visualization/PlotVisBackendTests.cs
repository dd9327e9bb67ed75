using Runner.Sdk.Visualization;
using Runner.Tests.Support;

namespace Runner.Tests.Visualization;

[TestClass]
public sealed class PlotVisBackendTests
{
    [TestMethod]
    public void ValidationLoss_IsDrawnWithTheTrainingLoss_AtTheIterationItFollowed_MetricsApart()
    {
        var dir = TestEnvironment.NewTempDir("plots");
        var plots = new PlotVisBackend(new VisContext(dir) { MetricStep = "epoch" });
        IVisBackend backend = plots;
        for (var iteration = 10; iteration <= 80; iteration += 10) backend.AddScalars(new Dictionary<string, double> { ["loss"] = 2.0 / iteration, ["lr"] = 0.1 }, iteration);

        backend.AddValScalars(new Dictionary<string, double> { ["loss"] = 0.05, ["accuracy/top1"] = 90, ["time"] = 0.01 }, step: 1, iteration: 40);
        backend.AddValScalars(new Dictionary<string, double> { ["loss"] = 0.03, ["accuracy/top1"] = 95, ["time"] = 0.01 }, step: 2, iteration: 80);
        backend.Flush();

        var charts = plots.Charts().ToDictionary(c => c.File);
        CollectionAssert.AreEquivalent(new[] { "loss", "val/loss" }, charts["loss"].Curves.ToArray());
        Assert.AreEqual("iteration", charts["loss"].XLabel);
        CollectionAssert.AreEqual(new[] { "accuracy/top1" }, charts["accuracy_top1"].Curves.ToArray());
        Assert.AreEqual("epoch", charts["accuracy_top1"].XLabel);
        Assert.IsFalse(charts.ContainsKey("time"), "bookkeeping is not drawn");
        foreach (var file in new[] { "loss", "lr", "accuracy_top1" })
            CollectionAssert.AreEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(Path.Combine(dir, "plots", file + ".png"))[..4], file);
    }
}
