namespace Runner.Tests.Optim;

using Runner.Sdk.Optim;
using Runner.Sdk.Optim.Schedulers;
using static TorchSharp.torch;

[TestClass]
public sealed class SchedulerTests
{
    private static OptimWrapper Wrapper(double lr)
    {
        var parameter = new TorchSharp.Modules.Parameter(zeros(2));
        return new OptimWrapper(optim.SGD([parameter], lr));
    }

    private static List<double> Run(OptimWrapper wrapper, IReadOnlyList<ParamScheduler> schedulers, int steps)
    {
        foreach (var s in schedulers) s.Prepare(epochLength: 1, runLength: steps);
        var values = new List<double>();
        for (var i = 0; i < steps; i++)
        {
            values.Add(wrapper.GetLr()[0]);
            foreach (var s in schedulers) s.Step();
        }
        return values;
    }

    private static void AssertValues(double[] expected, List<double> actual)
    {
        Assert.HasCount(expected.Length, actual);
        for (var i = 0; i < expected.Length; i++) Assert.AreEqual(expected[i], actual[i], 1e-12, $"step {i}");
    }

    [TestMethod]
    public void StepLR_MatchesMMEngine()
    {
        var wrapper = Wrapper(0.05);

        var values = Run(wrapper, [new StepLR(wrapper, stepSize: 3, gamma: 0.1, end: 100)], 10);

        AssertValues([0.05, 0.05, 0.05, 0.005, 0.005, 0.005, 0.0005, 0.0005, 0.0005, 0.00005], values);
    }

    [TestMethod]
    public void LinearLR_ChainedWithMultiStepLR_MatchesMMEngine()
    {
        var wrapper = Wrapper(0.05);
        ParamScheduler[] schedulers =
        [
            new LinearLR(wrapper, startFactor: 0.5, end: 5),
            new MultiStepLR(wrapper, milestones: [3, 6, 9], end: 100),
        ];

        var values = Run(wrapper, schedulers, 10);

        AssertValues([0.025, 0.03125, 0.0375, 0.004375, 0.005, 0.005, 0.0005, 0.0005, 0.0005, 0.00005], values);
    }

    [TestMethod]
    public void StateDict_RestoresCounters()
    {
        var wrapper = Wrapper(0.05);
        var first = new StepLR(wrapper, stepSize: 2, end: 100);
        first.Prepare(1, 100);
        first.Step();
        first.Step();

        var second = new StepLR(Wrapper(0.05), stepSize: 2, end: 100);
        second.LoadStateDict(first.StateDict());

        Assert.AreEqual(first.GlobalStep, second.GlobalStep);
        Assert.AreEqual(first.LastStep, second.LastStep);
        CollectionAssert.AreEqual(first.BaseValues, second.BaseValues);
    }

    [TestMethod]
    public void Constructor_EndNotAfterBegin_IsRejected()
    {
        var error = Assert.ThrowsExactly<ArgumentException>(() => new StepLR(Wrapper(0.1), stepSize: 1, begin: 5, end: 5));

        StringAssert.Contains(error.Message, "end should be larger than begin");
    }
}
