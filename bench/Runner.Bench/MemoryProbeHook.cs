using System.Diagnostics;
using Runner.Sdk.Data;
using Runner.Sdk.Hooks;
using Runner.Sdk.Running;

namespace Runner.Bench;

/// <summary>Records the process's resident memory after chosen train iterations (case 4).</summary>
public sealed class MemoryProbeHook(params int[] iterations) : Hook
{
    public Dictionary<int, long> ResidentBytes { get; } = [];

    /// <summary>The memory the garbage collector holds committed, after a full collection.</summary>
    public Dictionary<int, long> ManagedBytes { get; } = [];

    public override void AfterTrainIter(TrainingRunner runner, int batchIdx, DataBatch dataBatch, IReadOnlyDictionary<string, double> outputs)
    {
        var done = runner.Iter + 1;
        if (!iterations.Contains(done)) return;
        // An aggressive full collection (after the finalizers, which free TorchSharp's native handles), so the figure
        // is what the process holds, not the free memory the collector keeps committed for reuse.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        using var process = Process.GetCurrentProcess();
        ResidentBytes[done] = process.WorkingSet64;
        ManagedBytes[done] = GC.GetGCMemoryInfo().TotalCommittedBytes;
    }
}
