using Runner.Sdk.Data;
using Runner.Sdk.Hooks;
using Runner.Sdk.Running;
using Runner.Tests.Support;

namespace Runner.Tests.Running;

[TestClass]
public sealed class HookDispatcherTests
{
    private sealed class Calls
    {
        public List<string> Seen { get; } = [];
    }

    /// <summary>Overrides one point directly.</summary>
    private sealed class AfterTrainIterHook(Calls calls, string name) : Hook
    {
        public override void AfterTrainIter(TrainingRunner runner, int batchIdx, DataBatch dataBatch, IReadOnlyDictionary<string, double> outputs) =>
            calls.Seen.Add($"{name}.AfterTrainIter");
    }

    /// <summary>Overrides only the per-mode helper, so every iteration point of every mode reaches it.</summary>
    private sealed class BeforeIterHelperHook(Calls calls) : Hook
    {
        protected override void BeforeIter(TrainingRunner runner, int batchIdx, DataBatch dataBatch, Mode mode) => calls.Seen.Add($"BeforeIter({mode.Key()})");
    }

    private static TrainingRunner Tiny(string workDir) => TinyJob.Build(TinyJob.Config(workDir, """
        model = { type = "TinyModel" }
        train_cfg = { max_epochs = 1 }
        val_cfg = {}
        val_evaluator = { type = "Accuracy" }
        optim_wrapper = { optimizer = { type = "SGD", lr = 0.1 } }
        """));

    [TestMethod]
    public void EachPoint_ReachesTheHooksThatOverrideIt_DirectlyOrThroughTheModeHelpers()
    {
        var calls = new Calls();
        using var runner = Tiny(TestEnvironment.NewTempDir("dispatch"));
        runner.CallHooks.Register(new AfterTrainIterHook(calls, "a"));
        runner.CallHooks.Register(new BeforeIterHelperHook(calls));

        runner.Train();

        // 12 samples in batches of 3: 4 training iterations, then 4 validation iterations.
        Assert.AreEqual(4, calls.Seen.Count(c => c == "a.AfterTrainIter"));
        Assert.AreEqual(4, calls.Seen.Count(c => c == "BeforeIter(train)"));
        Assert.AreEqual(4, calls.Seen.Count(c => c == "BeforeIter(val)"));
        Assert.AreEqual(12, calls.Seen.Count);
    }

    [TestMethod]
    public void AReplacedHook_IsCalledInstead_AtThePointsItOverrides()
    {
        var calls = new Calls();
        using var runner = Tiny(TestEnvironment.NewTempDir("dispatch"));
        var old = new AfterTrainIterHook(calls, "old");
        runner.CallHooks.Register(old);

        runner.CallHooks.Replace(old, new AfterTrainIterHook(calls, "new"));
        runner.Train();

        CollectionAssert.AreEqual(Enumerable.Repeat("new.AfterTrainIter", 4).ToList(), calls.Seen);
    }
}
