namespace Runner.Sdk.Hooks;

using Runner.Sdk.Registries;
using Runner.Sdk.Running;

/// <summary>
/// MMEngine's <c>SyncBuffersHook</c> averages the model's buffers across processes in distributed training. This
/// version trains in one process, where there is nothing to synchronise; it says so once.
/// </summary>
[Register]
public sealed class SyncBuffersHook : Hook
{
    public override void BeforeRun(Runner runner) =>
        runner.Logger.Warn("SyncBuffersHook has no effect: this version trains in a single process, so the buffers are already in sync.");
}
