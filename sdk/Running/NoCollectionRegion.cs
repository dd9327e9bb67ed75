using System.Runtime;

namespace Runner.Sdk.Running;

/// <summary>
/// Holds off garbage collections while a training or evaluation step runs, when other threads of the process
/// allocate during it (data-loader workers).
/// </summary>
/// <remarks>
/// TorchSharp 0.107 turns numbers into <c>Scalar</c> objects that nothing keeps alive during the native call that
/// uses them (Adam's <c>add_(eps)</c>, SGD's <c>alpha</c>). A collection triggered by another thread's allocation can
/// finalize one mid-call, and libtorch then reads freed memory (docs/differences.md, known issues). With no collection
/// during the step, no <c>Scalar</c> created in it can be finalized before the step ends. Entering costs one
/// young-generation collection (tens of microseconds); a step that allocates more than the budget ends the region
/// early and runs on unprotected, as it would without this.
/// </remarks>
internal readonly struct NoCollectionRegion : IDisposable
{
    private const long Budget = 16L << 20;
    private readonly bool _started;

    private NoCollectionRegion(bool started) => _started = started;

    /// <summary>Enters a region when <paramref name="othersAllocate"/>, unless one is already open.</summary>
    public static NoCollectionRegion Enter(bool othersAllocate)
    {
        if (!othersAllocate || GCSettings.LatencyMode == GCLatencyMode.NoGCRegion) return default;
        try
        {
            return new NoCollectionRegion(GC.TryStartNoGCRegion(Budget, disallowFullBlockingGC: true));
        }
        catch (ArgumentOutOfRangeException)
        {
            return default; // a budget larger than this runtime's allows: no region
        }
    }

    public void Dispose()
    {
        if (!_started || GCSettings.LatencyMode != GCLatencyMode.NoGCRegion) return;
        try
        {
            GC.EndNoGCRegion();
        }
        catch (InvalidOperationException)
        {
            // The region already ended (the step allocated past the budget): nothing to end.
        }
    }
}
