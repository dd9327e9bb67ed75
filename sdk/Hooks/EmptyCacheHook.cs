namespace Runner.Sdk.Hooks;

using Runner.Sdk.Registries;
using Runner.Sdk.Running;

/// <summary>
/// MMEngine's <c>EmptyCacheHook</c> returns cached CUDA memory to the device. This build trains on the CPU, where
/// libtorch keeps no such cache, so it does nothing — and says so once, rather than pretending.
/// </summary>
[Register]
internal sealed class EmptyCacheHook(bool beforeEpoch = false, bool afterEpoch = true, bool afterIter = false) : Hook
{
    public bool BeforeEpochEnabled { get; } = beforeEpoch;

    public bool AfterEpochEnabled { get; } = afterEpoch;

    public bool AfterIterEnabled { get; } = afterIter;

    public override void BeforeRun(TrainingRunner runner)
    {
        if (!TorchSharp.torch.cuda.is_available())
            runner.Logger.Warn("EmptyCacheHook has no effect: there is no CUDA device, and the CPU allocator keeps no cache to empty.");
    }
}
