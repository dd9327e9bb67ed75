using System.Diagnostics;
using Runner.Sdk.Data;
using Runner.Sdk.Hooks;
using Runner.Sdk.Running;

namespace Runner.Bench;

/// <summary>Records when each hook point is reached (<c>bench/run --timeline</c>): one instance runs first at each point, one last.</summary>
public sealed class TimelineHook(List<(string Mark, long Ticks)> marks, string edge) : Hook
{
    private void Mark(string point) => marks.Add(($"{point} {edge}", Stopwatch.GetTimestamp()));

    public override void BeforeRun(TrainingRunner runner) => Mark("BeforeRun");

    public override void BeforeTrain(TrainingRunner runner) => Mark("BeforeTrain");
    public override void BeforeTrainEpoch(TrainingRunner runner) => Mark("BeforeTrainEpoch");
    // Each iteration's end, once (by the last hook), so consecutive marks measure one whole iteration.
    public override void AfterTrainIter(TrainingRunner runner, int batchIdx, DataBatch dataBatch, IReadOnlyDictionary<string, double> outputs)
    {
        if (edge == "last") Mark("AfterTrainIter");
    }
    public override void AfterTrainEpoch(TrainingRunner runner) => Mark("AfterTrainEpoch");
    public override void BeforeVal(TrainingRunner runner) => Mark("BeforeVal");
    public override void BeforeValEpoch(TrainingRunner runner) => Mark("BeforeValEpoch");
    public override void AfterValEpoch(TrainingRunner runner, IReadOnlyDictionary<string, double>? metrics) => Mark("AfterValEpoch");
    public override void AfterVal(TrainingRunner runner) => Mark("AfterVal");
    public override void BeforeSaveCheckpoint(TrainingRunner runner, Sdk.Checkpoints.Checkpoint checkpoint) => Mark("BeforeSaveCheckpoint");
    public override void AfterTrain(TrainingRunner runner) => Mark("AfterTrain");
    public override void AfterRun(TrainingRunner runner) => Mark("AfterRun");
}
