using System.Diagnostics;
using Runner.Sdk.Data;
using Runner.Sdk.Registries;
using Runner.Sdk.Running;

namespace Runner.Sdk.Hooks;

/// <summary>
/// Times each iteration (MMEngine's <c>IterTimerHook</c>): <c>{mode}/data_time</c> is the wait for the batch,
/// <c>{mode}/time</c> the whole iteration, and the runtime info <c>eta</c> the estimated time left. Unlike MMEngine's,
/// the training eta is measured on the wall clock since training (re)started, so the time spent validating and
/// saving checkpoints, and a machine that slows down, are in it.
/// </summary>
[Register]
internal sealed class IterTimerHook : Hook
{
    private long _last;
    private int _startIter;
    private long _trainStart;
    private readonly ScalarKeys _keys = new();

    public override void BeforeTrain(TrainingRunner runner)
    {
        _startIter = runner.Iter;
        _trainStart = Stopwatch.GetTimestamp();
    }

    protected override void BeforeEpoch(TrainingRunner runner, Mode mode) => _last = Stopwatch.GetTimestamp();

    protected override void BeforeIter(TrainingRunner runner, int batchIdx, DataBatch dataBatch, Mode mode) =>
        runner.MessageHub.UpdateScalar(_keys.Of(mode, "data_time"), Stopwatch.GetElapsedTime(_last).TotalSeconds);

    protected override void AfterIter(TrainingRunner runner, int batchIdx, DataBatch dataBatch, Mode mode)
    {
        var elapsed = Stopwatch.GetElapsedTime(_last).TotalSeconds;
        runner.MessageHub.UpdateScalar(_keys.Of(mode, "time"), elapsed);
        _last = Stopwatch.GetTimestamp();
        double eta;
        if (mode == Mode.Train)
        {
            var average = Stopwatch.GetElapsedTime(_trainStart).TotalSeconds / (runner.Iter - _startIter + 1);
            eta = average * (runner.MaxIters - runner.Iter - 1);
        }
        else
        {
            var average = runner.MessageHub.GetScalar(_keys.Of(mode, "time"))!.Mean(batchIdx + 1);
            eta = average * (runner.DataloaderLength(mode) - batchIdx - 1);
        }
        runner.MessageHub.UpdateInfo("eta", eta);
    }
}
