using Runner.Sdk.Data;
using Runner.Sdk.Hooks;
using Runner.Sdk.Running;

namespace Runner.Bench;

/// <summary>A hook that overrides every per-iteration point and does nothing (case 6).</summary>
public sealed class NoOpHook : Hook
{
    public override void BeforeTrainIter(TrainingRunner runner, int batchIdx, DataBatch dataBatch) { }

    public override void AfterTrainIter(TrainingRunner runner, int batchIdx, DataBatch dataBatch, IReadOnlyDictionary<string, double> outputs) { }

    public override void BeforeValIter(TrainingRunner runner, int batchIdx, DataBatch dataBatch) { }

    public override void AfterValIter(TrainingRunner runner, int batchIdx, DataBatch dataBatch, DataBatch outputs) { }
}
