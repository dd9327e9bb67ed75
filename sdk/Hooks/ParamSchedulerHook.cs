namespace Runner.Sdk.Hooks;

using Runner.Sdk.Data;
using Runner.Sdk.Registries;
using Runner.Sdk.Running;

/// <summary>Steps the parameter schedulers: per-iteration ones after each train iteration, per-epoch ones after each train epoch (MMEngine's <c>ParamSchedulerHook</c>).</summary>
[Register]
public sealed class ParamSchedulerHook : Hook
{
    protected override Priority DefaultPriority => Priority.Low;

    public override void AfterTrainIter(Runner runner, int batchIdx, DataBatch? dataBatch, IReadOnlyDictionary<string, double>? outputs)
    {
        foreach (var scheduler in runner.ParamSchedulers)
            if (!scheduler.ByEpoch) scheduler.Step();
    }

    public override void AfterTrainEpoch(Runner runner)
    {
        foreach (var scheduler in runner.ParamSchedulers)
            if (scheduler.ByEpoch) scheduler.Step();
    }
}
