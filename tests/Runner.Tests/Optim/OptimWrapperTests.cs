using Runner.Sdk.Optim;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Runner.Tests.Optim;

[TestClass]
public sealed class OptimWrapperTests
{
    /// <summary>One parameter p (start 0), loss = p: each backward adds loss-scale to the gradient; SGD with lr 1 then moves p by -grad.</summary>
    private static (OptimWrapper Wrapper, Parameter P) Unit(int accumulativeCounts, ClipGradSettings? clip = null)
    {
        var p = new Parameter(zeros(1));
        return (new OptimWrapper(optim.SGD([p], 1.0), accumulativeCounts, clip), p);
    }

    private static List<double> Updates(OptimWrapper wrapper, Parameter p, int iterations)
    {
        var positions = new List<double>();
        for (var i = 0; i < iterations; i++)
        {
            using var loss = p.sum();
            wrapper.UpdateParams(loss);
            positions.Add(p.data<float>()[0]);
        }
        return positions;
    }

    [TestMethod]
    public void Accumulation_DividesByCount_AndTheLastPartialGroupByItsSize()
    {
        var (wrapper, p) = Unit(accumulativeCounts: 3);
        wrapper.InitializeCountStatus(0, 10);

        var positions = Updates(wrapper, p, 10);

        // steps after iterations 3, 6, 9 (three grads of 1/3 each) and 10 (the last group of one, divided by 1)
        CollectionAssert.AreEqual(new double[] { 0, 0, -1, -1, -1, -2, -2, -2, -3, -4 }, positions.Select(v => Math.Round(v)).ToList());
        Assert.AreEqual(-4.0, positions[^1], 1e-6);
    }

    [TestMethod]
    public void Accumulation_ResumedMidGroup_StepsAtTheGroupBoundaryAndAtTheEnd()
    {
        var (wrapper, p) = Unit(accumulativeCounts: 3);
        wrapper.InitializeCountStatus(7, 10);

        var positions = Updates(wrapper, p, 3);

        // iteration 8 accumulates 1/3, iteration 9 closes the group (2/3 in all), iteration 10 is the last group of one
        Assert.AreEqual(0.0, positions[0], 1e-6);
        Assert.AreEqual(-2.0 / 3, positions[1], 1e-6);
        Assert.AreEqual(-2.0 / 3 - 1, positions[2], 1e-6);
        Assert.AreEqual(10, wrapper.InnerCount);
    }

    [TestMethod]
    public void ClipGrad_ByNorm_ClipsAndReportsTheNorm()
    {
        var p = new Parameter(zeros(2));
        var wrapper = new OptimWrapper(optim.SGD([p], 1.0), clipGrad: new ClipGradSettings("norm", maxNorm: 1.0));
        using var loss = (p * tensor(new[] { 3f, 4f })).sum();

        wrapper.UpdateParams(loss);

        Assert.AreEqual(5.0, wrapper.LastGradNorm!.Value, 1e-5);
        CollectionAssert.AreEqual(new[] { -0.6f, -0.8f }, p.data<float>().ToArray().Select(v => MathF.Round(v, 5)).ToArray());
    }

    [TestMethod]
    public void ClipGrad_ByValue_ClampsEachGradient()
    {
        var p = new Parameter(zeros(2));
        var wrapper = new OptimWrapper(optim.SGD([p], 1.0), clipGrad: new ClipGradSettings("value", clipValue: 0.5));
        using var loss = (p * tensor(new[] { 3f, -0.25f })).sum();

        wrapper.UpdateParams(loss);

        Assert.IsNull(wrapper.LastGradNorm);
        CollectionAssert.AreEqual(new[] { -0.5f, 0.25f }, p.data<float>().ToArray());
    }

    [TestMethod]
    public void ClipGrad_UnknownType_IsRejected()
    {
        var error = Assert.ThrowsExactly<ArgumentException>(() => new ClipGradSettings("l1"));

        StringAssert.Contains(error.Message, "must be \"norm\" or \"value\", got \"l1\".");
    }

    [TestMethod]
    public void OptimizerState_RoundTrips()
    {
        var (wrapper, p) = Unit(1);
        Updates(wrapper, p, 2);
        var state = wrapper.SaveOptimizerState();
        var (other, _) = Unit(1);
        other.Optimizer.ParamGroups.First().LearningRate = 0.5;

        other.LoadOptimizerState(state);

        Assert.AreEqual(1.0, other.GetLr()[0]);
    }
}
