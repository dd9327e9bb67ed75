namespace Runner.Bench;

using System.Diagnostics;
using Runner.Sdk.Data;
using Runner.Sdk.Hooks;
using Runner.Sdk.Running;

/// <summary>Records when each hook point is reached (<c>bench/run --timeline</c>): one instance runs first at each point, one last.</summary>
public sealed class TimelineHook(List<(string Mark, long Ticks)> marks, string edge) : Hook
{
    private void Mark(string point) => marks.Add(($"{point} {edge}", Stopwatch.GetTimestamp()));

    public override void BeforeRun(Runner runner) => Mark("BeforeRun");

    public override void BeforeTrain(Runner runner) => Mark("BeforeTrain");
    public override void BeforeTrainEpoch(Runner runner) => Mark("BeforeTrainEpoch");
    // Each iteration's end, once (by the last hook), so consecutive marks measure one whole iteration.
    public override void AfterTrainIter(Runner runner, int batchIdx, DataBatch dataBatch, IReadOnlyDictionary<string, double> outputs)
    {
        if (edge == "last") Mark("AfterTrainIter");
    }
    public override void AfterTrainEpoch(Runner runner) => Mark("AfterTrainEpoch");
    public override void BeforeVal(Runner runner) => Mark("BeforeVal");
    public override void BeforeValEpoch(Runner runner) => Mark("BeforeValEpoch");
    public override void AfterValEpoch(Runner runner, IReadOnlyDictionary<string, double>? metrics) => Mark("AfterValEpoch");
    public override void AfterVal(Runner runner) => Mark("AfterVal");
    public override void BeforeSaveCheckpoint(Runner runner, Sdk.Checkpoints.Checkpoint checkpoint) => Mark("BeforeSaveCheckpoint");
    public override void AfterTrain(Runner runner) => Mark("AfterTrain");
    public override void AfterRun(Runner runner) => Mark("AfterRun");
}
