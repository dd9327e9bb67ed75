using Runner.Sdk.Registries;
using Runner.Sdk.Running;

namespace Runner.Sdk.Hooks;

/// <summary>
/// MMEngine's <c>EmptyCacheHook</c> returns cached CUDA memory to the device. On the CPU libtorch keeps no such cache;
/// on CUDA, TorchSharp 0.107 has no binding to the caching allocator. Either way it does nothing — and says so once,
/// rather than pretending.
/// </summary>
[Register]
internal sealed class EmptyCacheHook(bool beforeEpoch = false, bool afterEpoch = true, bool afterIter = false) : Hook
{
    public bool BeforeEpochEnabled { get; } = beforeEpoch;

    public bool AfterEpochEnabled { get; } = afterEpoch;

    public bool AfterIterEnabled { get; } = afterIter;

    public override void BeforeRun(TrainingRunner runner) =>
        runner.Logger.Warn(runner.Device.type == TorchSharp.DeviceType.CUDA
            ? "EmptyCacheHook has no effect: TorchSharp 0.107 has no binding to CUDA's caching allocator (torch.cuda.empty_cache), so the cache stays as libtorch keeps it (docs/gpu.md)."
            : "EmptyCacheHook has no effect: the run is on the CPU, whose allocator keeps no cache to empty.");
}
