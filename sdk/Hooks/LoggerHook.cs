using Runner.Sdk.Data;
using Runner.Sdk.Registries;
using Runner.Sdk.Running;

namespace Runner.Sdk.Hooks;

/// <summary>
/// Writes MMEngine's log lines (MMEngine's <c>LoggerHook</c>): a train line every <c>interval</c> iterations (and at
/// an epoch's end when the epoch is shorter than the interval or <c>ignore_last</c> is false), val/test iteration
/// lines every <c>interval</c> batches, and a metrics line after each val/test epoch.
/// </summary>
[Register]
internal sealed class LoggerHook : Hook
{
    /// <param name="interval">Iterations between log lines.</param>
    /// <param name="ignoreLast">Skip the line for an epoch's last, partial interval.</param>
    /// <param name="intervalExpName">Iterations between "Exp name" lines (also logged at each epoch's end).</param>
    /// <param name="logMetricByEpoch">Record validation metrics at the epoch (true) or the iteration (false);
    /// default: as the train loop counts (MMEngine's default is the epoch, which is always 0 in an iteration-based run).</param>
    public LoggerHook(int interval = 10, bool ignoreLast = true, int intervalExpName = 1000, bool? logMetricByEpoch = null)
    {
        LogMetricByEpoch = logMetricByEpoch;
        if (interval <= 0) throw new ArgumentException($"interval must be greater than 0, got {interval}.");
        if (intervalExpName <= 0) throw new ArgumentException($"interval_exp_name must be greater than 0, got {intervalExpName}.");
        Interval = interval;
        IgnoreLast = ignoreLast;
        IntervalExpName = intervalExpName;
    }

    public int Interval { get; }

    /// <summary>Whether validation metrics are recorded at the epoch; null follows the train loop.</summary>
    public bool? LogMetricByEpoch { get; }

    private static int MetricStep(TrainingRunner runner, bool? byEpoch) =>
        !runner.TrainLoopBuilt ? 0 : byEpoch ?? !runner.TrainsByIteration ? runner.Epoch : runner.Iter;

    public bool IgnoreLast { get; }

    public int IntervalExpName { get; }

    protected override Priority DefaultPriority => Priority.BelowNormal;

    public override void AfterTrainIter(TrainingRunner runner, int batchIdx, DataBatch dataBatch, IReadOnlyDictionary<string, double> outputs)
    {
        var loader = runner.TrainLoop!.Dataloader;
        var endOfEpoch = EndOfEpoch(loader, batchIdx); // once: the loader's length asks the sampler, which asks the dataset
        if (EveryNTrainIters(runner, IntervalExpName) || endOfEpoch)
            runner.Logger.Info($"Exp name: {runner.ExperimentName}");
        if (EveryNInnerIters(batchIdx, Interval) || (endOfEpoch && (!IgnoreLast || loader.Count <= Interval)))
        {
            var (tag, line) = runner.LogProcessor.GetLogAfterIter(runner, batchIdx, Mode.Train);
            runner.Logger.Info(line);
            runner.Visualizer.AddScalars(tag, runner.Iter + 1);
        }
    }

    public override void AfterValIter(TrainingRunner runner, int batchIdx, DataBatch dataBatch, DataBatch outputs)
    {
        if (EveryNInnerIters(batchIdx, Interval))
            runner.Logger.Info(runner.LogProcessor.GetLogAfterIter(runner, batchIdx, Mode.Val).Line);
    }

    public override void AfterTestIter(TrainingRunner runner, int batchIdx, DataBatch dataBatch, DataBatch outputs)
    {
        if (EveryNInnerIters(batchIdx, Interval))
            runner.Logger.Info(runner.LogProcessor.GetLogAfterIter(runner, batchIdx, Mode.Test).Line);
    }

    public override void AfterValEpoch(TrainingRunner runner, IReadOnlyDictionary<string, double>? metrics)
    {
        var (tag, line) = runner.LogProcessor.GetLogAfterEpoch(runner, runner.DataloaderLength(Mode.Val) - 1, Mode.Val);
        runner.Logger.Info(line);
        runner.Visualizer.AddValScalars(tag, MetricStep(runner, LogMetricByEpoch), runner.TrainLoopBuilt ? runner.Iter : 0);
        runner.Visualizer.Flush(); // after each validation: files and plots up to date
    }

    public override void AfterTestEpoch(TrainingRunner runner, IReadOnlyDictionary<string, double>? metrics)
    {
        var (tag, line) = runner.LogProcessor.GetLogAfterEpoch(runner, runner.DataloaderLength(Mode.Test) - 1, Mode.Test);
        runner.Logger.Info(line);
        runner.Visualizer.WriteTestResults(tag);
    }

    public override void AfterRun(TrainingRunner runner) => runner.Visualizer.Flush();
}
