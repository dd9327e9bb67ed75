namespace MyPlugin.Tests;

[TestClass]
public sealed class MyMetricTests
{
    [TestMethod]
    public void ErrorRate_IsWrongOverTotal_InPercent()
    {
        var metric = new MyMetric();

        var metrics = metric.ComputeMetrics([new long[] { 1, 4 }, new long[] { 2, 4 }]);

        Assert.AreEqual(37.5, metrics["rate"], 1e-12);
    }

    [TestMethod]
    public void Hook_StateSurvivesAHotSwap()
    {
        var hook = new Hooks.MyHook();
        var successor = new Hooks.MyHook();
        hook.LoadStateDict(new Dictionary<string, object?> { ["lowest"] = 0.25 });

        successor.LoadStateDict(hook.StateDict()!);

        Assert.AreEqual(0.25, successor.Lowest);
    }
}
