using Runner.Sdk.Data;
using Runner.Sdk.Registries;
using Runner.Sdk.Running;

namespace Runner.Sdk.Hooks;

/// <summary>Steps the parameter schedulers: per-iteration ones after each train iteration, per-epoch ones after each train epoch, metric-driven ones after each validation (MMEngine's <c>ParamSchedulerHook</c>).</summary>
[Register]
internal sealed class ParamSchedulerHook : Hook
{
    protected override Priority DefaultPriority => Priority.Low;

    public override void AfterTrainIter(TrainingRunner runner, int batchIdx, DataBatch dataBatch, IReadOnlyDictionary<string, double> outputs)
    {
        foreach (var scheduler in runner.ParamSchedulers)
            if (!scheduler.ByEpoch) scheduler.Step();
    }

    public override void AfterTrainEpoch(TrainingRunner runner)
    {
        foreach (var scheduler in runner.ParamSchedulers)
            if (scheduler.ByEpoch && !scheduler.NeedsValMetrics) scheduler.Step();
    }

    /// <summary>Schedulers that watch a validation metric (ReduceOnPlateau) step here, during training only.</summary>
    public override void AfterValEpoch(TrainingRunner runner, IReadOnlyDictionary<string, double>? metrics)
    {
        if (!runner.IsTraining || metrics is null) return;
        foreach (var scheduler in runner.ParamSchedulers)
            if (scheduler.NeedsValMetrics) scheduler.Step(metrics);
    }
}
