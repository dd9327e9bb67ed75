using Runner.Sdk.Optim;
using Runner.Sdk.Optim.Schedulers;
using static TorchSharp.torch;

namespace Runner.Tests.Optim;

/// <summary>Exact value sequences of every schedule, against MMEngine's formulas and the reference values of the issue.</summary>
[TestClass]
public sealed class SchedulerTests
{
    private static OptimWrapper Sgd(double lr, double momentum = 0.9) =>
        new(optim.SGD([new TorchSharp.Modules.Parameter(zeros(2))], lr, momentum: momentum));

    private static OptimWrapper Adam(double lr) => new(optim.Adam([new TorchSharp.Modules.Parameter(zeros(2))], lr));

    /// <summary>The value before each of <paramref name="steps"/> steps (step 0 is right after construction).</summary>
    private static List<double> Run(OptimWrapper wrapper, IReadOnlyList<ParamScheduler> schedulers, int steps, string param = "lr",
        int epochLength = 1, int? runLength = null)
    {
        foreach (var s in schedulers) s.Prepare(epochLength, runLength ?? steps);
        var values = new List<double>();
        for (var i = 0; i < steps; i++)
        {
            values.Add(wrapper.GetParam(0, param));
            foreach (var s in schedulers) s.Step();
        }
        return values;
    }

    private static void AssertValues(IReadOnlyList<double> expected, IReadOnlyList<double> actual)
    {
        Assert.HasCount(expected.Count, actual);
        for (var i = 0; i < expected.Count; i++) Assert.AreEqual(expected[i], actual[i], 1e-12, $"step {i}: expected {expected[i]}, got {actual[i]}");
    }

    [TestMethod]
    public void StepLR_MatchesReference()
    {
        var w = Sgd(0.05);
        AssertValues([0.05, 0.05, 0.05, 0.005, 0.005, 0.005, 0.0005, 0.0005, 0.0005, 0.00005], Run(w, [new StepLR(w, stepSize: 3, gamma: 0.1, end: 100)], 10));
    }

    [TestMethod]
    public void LinearLR_ChainedWithMultiStepLR_MatchesReference()
    {
        var w = Sgd(0.05);
        ParamScheduler[] schedulers = [new LinearLR(w, startFactor: 0.5, end: 5), new MultiStepLR(w, milestones: [3, 6, 9], end: 100)];
        AssertValues([0.025, 0.03125, 0.0375, 0.004375, 0.005, 0.005, 0.0005, 0.0005, 0.0005, 0.00005], Run(w, schedulers, 10));
    }

    [TestMethod]
    public void OneCycleLR_Linear_MatchesReference()
    {
        var w = Sgd(0.05);
        var schedule = new OneCycleLR(w, etaMax: 25, totalSteps: 10, finalDivFactor: 2, annealStrategy: "linear", end: 100);
        AssertValues([1, 13, 25, 21.5, 18, 14.5, 11, 7.5, 4, 0.5], Run(w, [schedule], 10));
    }

    [TestMethod]
    public void OneCycleLR_Cosine_FollowsTheCosineBetweenPhaseEnds()
    {
        var w = Sgd(0.05);
        var values = Run(w, [new OneCycleLR(w, etaMax: 1.0, totalSteps: 10, end: 100)], 10);
        // phase 1 ends at step 2 (0.3 * 10 - 1), phase 2 at step 9
        double Cos(double from, double to, double pct) => to + (from - to) / 2 * (Math.Cos(Math.PI * pct) + 1);
        var expected = Enumerable.Range(0, 10).Select(k => k <= 2 ? Cos(0.04, 1.0, k / 2.0) : Cos(1.0, 0.04 / 1e4, (k - 2) / 7.0)).ToList();
        AssertValues(expected, values);
    }

    [TestMethod]
    public void OneCycleLR_SteppedPastTotalSteps_Throws()
    {
        var w = Sgd(0.05);
        var schedule = new OneCycleLR(w, etaMax: 1.0, totalSteps: 3, end: 100);
        schedule.Prepare(1, 100);
        schedule.Step();
        schedule.Step();
        schedule.Step();

        var error = Assert.ThrowsExactly<InvalidOperationException>(schedule.Step);

        StringAssert.Contains(error.Message, "Tried to step 5 times. The specified number of total steps is 3.");
    }

    [TestMethod]
    public void ConstantLR_ScalesUntilTheEndOfItsWindow()
    {
        var w = Sgd(0.1);
        AssertValues([0.05, 0.05, 0.05, 0.1, 0.1, 0.1], Run(w, [new ConstantLR(w, factor: 0.5, end: 4)], 6));
    }

    [TestMethod]
    public void ExponentialLR_MultipliesEachStep()
    {
        var w = Sgd(1.0);
        AssertValues([1, 0.5, 0.25, 0.125], Run(w, [new ExponentialLR(w, gamma: 0.5, end: 100)], 4));
    }

    [TestMethod]
    public void CosineAnnealingLR_MatchesClosedForm()
    {
        var w = Sgd(0.1);
        var values = Run(w, [new CosineAnnealingLR(w, tMax: 8, etaMin: 0.01, end: 100)], 9);
        AssertValues(Enumerable.Range(0, 9).Select(k => 0.01 + (0.1 - 0.01) * (1 + Math.Cos(Math.PI * k / 8)) / 2).ToList(), values);
    }

    [TestMethod]
    public void PolyLR_MatchesClosedForm()
    {
        var w = Sgd(0.1);
        var values = Run(w, [new PolyLR(w, etaMin: 0.001, power: 2, end: 6)], 6);
        // the chained steps multiply to (base - eta_min) * (1 - k / total_iters)^power + eta_min, total_iters = end - begin - 1
        AssertValues(Enumerable.Range(0, 6).Select(k => (0.1 - 0.001) * Math.Pow(1 - k / 5.0, 2) + 0.001).ToList(), values);
    }

    [TestMethod]
    public void CosineRestartLR_RestartsEachPeriodAtItsWeight()
    {
        var w = Sgd(1.0);
        var values = Run(w, [new CosineRestartLR(w, periods: [4, 4], restartWeights: [1.0, 0.5], etaMin: 0, end: 100)], 8);
        double Cos(double max, int step, int period) => max * (1 + Math.Cos(Math.PI * step / period)) / 2;
        AssertValues([Cos(1, 0, 4), Cos(1, 1, 4), Cos(1, 2, 4), Cos(1, 3, 4), Cos(0.5, 0, 4), Cos(0.5, 1, 4), Cos(0.5, 2, 4), Cos(0.5, 3, 4)], values);
    }

    [TestMethod]
    public void Window_BeginAndEnd_LimitTheScheduler()
    {
        var w = Sgd(1.0);
        // k counts from begin (k = 0 at step 2 changes nothing), and nothing happens from end on
        AssertValues([1, 1, 1, 0.5, 0.25, 0.25, 0.25], Run(w, [new ExponentialLR(w, gamma: 0.5, begin: 2, end: 5)], 7));
    }

    [TestMethod]
    public void ConvertToIterBased_ScalesBeginEndAndPeriods()
    {
        var w = Sgd(1.0);
        var schedule = new MultiStepLR(w, milestones: [1, 2], begin: 0, end: 3, convertToIterBased: true);

        var values = Run(w, [schedule], 12, epochLength: 4);

        Assert.IsFalse(schedule.ByEpoch);
        Assert.AreEqual(12, schedule.End);
        CollectionAssert.AreEqual(new[] { 4, 8 }, schedule.Milestones);
        AssertValues([1, 1, 1, 1, 0.1, 0.1, 0.1, 0.1, 0.01, 0.01, 0.01, 0.01], values);
    }

    [TestMethod]
    public void DefaultEnd_IsTheRunLength()
    {
        var w = Sgd(1.0);
        var schedule = new LinearLR(w, startFactor: 0.5);

        schedule.Prepare(epochLength: 1, runLength: 3);

        Assert.AreEqual(3, schedule.End);
        Assert.IsTrue(schedule.EndIsDefault);
        Assert.IsFalse(schedule.StateDict().ContainsKey("end"), "a default end is not frozen into the state");
    }

    [TestMethod]
    public void MomentumSchedulers_DriveSgdMomentum_AndAdamsFirstBeta()
    {
        var sgd = Sgd(0.1, momentum: 0.9);
        var adam = Adam(0.1);

        var sgdValues = Run(sgd, [new StepMomentum(sgd, stepSize: 2, gamma: 0.5, end: 100)], 5, param: "momentum");
        var adamValues = Run(adam, [new LinearMomentum(adam, startFactor: 0.5, end: 3)], 4, param: "momentum");

        AssertValues([0.9, 0.9, 0.45, 0.45, 0.225], sgdValues);
        AssertValues([0.45, 0.675, 0.9, 0.9], adamValues);
        Assert.AreEqual(0.9, adam.GetMomentum()[0], 1e-12);
    }

    [TestMethod]
    public void MomentumScheduler_OnOptimizerWithoutMomentum_IsRejected()
    {
        var adagrad = new OptimWrapper(optim.Adagrad([new TorchSharp.Modules.Parameter(zeros(2))], 0.1));

        var error = Assert.ThrowsExactly<ArgumentException>(() => new StepMomentum(adagrad, stepSize: 1));

        StringAssert.Contains(error.Message, "optimizer must support momentum when using momentum scheduler");
    }

    [TestMethod]
    public void GenericScheduler_SchedulesAnyOption()
    {
        var w = new OptimWrapper(optim.SGD([new TorchSharp.Modules.Parameter(zeros(2))], 0.1, weight_decay: 0.01));

        var values = Run(w, [new MultiStepParamScheduler(w, "weight_decay", milestones: [2], gamma: 0.1, end: 100)], 4, param: "weight_decay");

        AssertValues([0.01, 0.01, 0.001, 0.001], values);
    }

    [TestMethod]
    public void ReduceOnPlateauLR_LowersAfterPatienceAndCoolsDown()
    {
        var w = Sgd(1.0);
        var schedule = new ReduceOnPlateauLR(w, monitor: "accuracy/top1", rule: "greater", factor: 0.5, patience: 1, cooldown: 1);
        schedule.Prepare(1, 100);
        double[] accuracies = [50, 60, 60, 60, 60, 60, 70];
        var lrs = new List<double>();

        foreach (var accuracy in accuracies)
        {
            schedule.Step(new Dictionary<string, double> { ["accuracy/top1"] = accuracy });
            lrs.Add(w.GetLr()[0]);
        }

        // better, better, bad 1, bad 2 > patience: halve (cooldown 1), cooldown resets, bad 1, bad 2: halve, better
        AssertValues([1, 1, 1, 0.5, 0.5, 0.5, 0.5], lrs.Take(7).ToList());
        var state = schedule.StateDict();
        var restored = new ReduceOnPlateauLR(Sgd(1.0), monitor: "accuracy/top1", rule: "greater", factor: 0.5, patience: 1, cooldown: 1);
        restored.LoadStateDict(state);
        Assert.AreEqual(state["best"], restored.StateDict()["best"]);
    }

    [TestMethod]
    public void ReduceOnPlateau_MissingMonitor_NamesWhatWasReported()
    {
        var w = Sgd(1.0);
        var schedule = new ReduceOnPlateauLR(w, monitor: "loss");
        schedule.Prepare(1, 100);

        var error = Assert.ThrowsExactly<Runner.Sdk.RunnerException>(() => schedule.Step(new Dictionary<string, double> { ["accuracy/top1"] = 1 }));

        StringAssert.Contains(error.Message, "ReduceOnPlateau monitors 'loss', which the validation did not report (it reported: accuracy/top1).");
    }

    [TestMethod]
    public void StateDict_RestoresCounters()
    {
        var first = new StepLR(Sgd(0.05), stepSize: 2, end: 100);
        first.Prepare(1, 100);
        first.Step();
        first.Step();

        var second = new StepLR(Sgd(0.05), stepSize: 2, end: 100);
        second.LoadStateDict(first.StateDict());

        Assert.AreEqual(first.GlobalStep, second.GlobalStep);
        Assert.AreEqual(first.LastStep, second.LastStep);
        CollectionAssert.AreEqual(first.BaseValues, second.BaseValues);
    }

    [TestMethod]
    public void Constructor_EndNotAfterBegin_IsRejected()
    {
        var error = Assert.ThrowsExactly<ArgumentException>(() => new StepLR(Sgd(0.1), stepSize: 1, begin: 5, end: 5));

        StringAssert.Contains(error.Message, "end should be larger than begin");
    }

    [TestMethod]
    public void EveryMomentumSchedule_FollowsTheSameSequenceAsItsLrForm()
    {
        // Each pair starts from 0.5 (the lr of one optimizer, the momentum of the other) and must produce the same values.
        var cases = new (string Name, Func<OptimWrapper, ParamScheduler> Lr, Func<OptimWrapper, ParamScheduler> Momentum)[]
        {
            ("Step", w => new StepLR(w, 2, 0.5, end: 100), w => new StepMomentum(w, 2, 0.5, end: 100)),
            ("MultiStep", w => new MultiStepLR(w, [1, 3], 0.5, end: 100), w => new MultiStepMomentum(w, [1, 3], 0.5, end: 100)),
            ("Constant", w => new ConstantLR(w, 0.5, end: 4), w => new ConstantMomentum(w, 0.5, end: 4)),
            ("Linear", w => new LinearLR(w, 0.2, 1.0, end: 5), w => new LinearMomentum(w, 0.2, 1.0, end: 5)),
            ("Exponential", w => new ExponentialLR(w, 0.9, end: 100), w => new ExponentialMomentum(w, 0.9, end: 100)),
            ("CosineAnnealing", w => new CosineAnnealingLR(w, 6, 0.05, end: 100), w => new CosineAnnealingMomentum(w, 6, 0.05, end: 100)),
            ("Poly", w => new PolyLR(w, 0.01, 2, end: 7), w => new PolyMomentum(w, 0.01, 2, end: 7)),
            ("CosineRestart", w => new CosineRestartLR(w, [3, 4], [1.0, 0.5], 0.0, end: 100), w => new CosineRestartMomentum(w, [3, 4], [1.0, 0.5], 0.0, end: 100)),
        };
        foreach (var (name, lr, momentum) in cases)
        {
            var lrWrapper = Sgd(0.5, momentum: 0.9);
            var momentumWrapper = Sgd(0.1, momentum: 0.5);
            var lrValues = Run(lrWrapper, [lr(lrWrapper)], 8);
            var momentumValues = Run(momentumWrapper, [momentum(momentumWrapper)], 8, param: "momentum");
            for (var i = 0; i < 8; i++) Assert.AreEqual(lrValues[i], momentumValues[i], 1e-12, $"{name} step {i}");
        }
    }
}
