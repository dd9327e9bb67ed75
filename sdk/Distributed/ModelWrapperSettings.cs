using System.ComponentModel.DataAnnotations;
using Runner.Sdk.Registries;

namespace Runner.Sdk.Distributed;

/// <summary>
/// The <c>model_wrapper_cfg</c> table (MMEngine's <c>MMDistributedDataParallel</c> options), read when the run has
/// more than one process. Runner does not wrap the model: it broadcasts the weights from rank 0 at the start and
/// averages the gradients before each optimizer step (<see cref="DataParallel"/>), which is what the wrapper does.
/// </summary>
[ConfigOptions]
internal sealed record ModelWrapperSettings
{
    /// <param name="type">"MMDistributedDataParallel" (the only wrapper: every parameter's gradient is averaged over the ranks).</param>
    /// <param name="findUnusedParameters">Allow parameters that get no gradient on an iteration (their gradient counts as zero on
    /// that rank; a parameter no rank used keeps none). Without it, such a parameter is an error naming it.</param>
    /// <param name="bucketCapMb">The most megabytes of gradients reduced by one call (PyTorch's bucket_cap_mb).</param>
    /// <param name="broadcastBuffers">Also broadcast rank 0's buffers (BatchNorm statistics) before every forward pass; MMEngine's default, false, leaves that to SyncBuffersHook.</param>
    public ModelWrapperSettings(string type = "MMDistributedDataParallel", bool findUnusedParameters = false,
        [Range(0.001, 1 << 20)] double bucketCapMb = 25, bool broadcastBuffers = false)
    {
        if (type is not ("MMDistributedDataParallel" or "DistributedDataParallel"))
            throw new ArgumentException($"\"{type}\" is not available; use \"MMDistributedDataParallel\" (MMSeparateDistributedDataParallel's per-module wrapping is not needed here: each optimizer wrapper averages its own parameters' gradients).", nameof(type));
        if (broadcastBuffers)
            throw new ArgumentException("broadcast_buffers = true is not supported: buffers are averaged by SyncBuffersHook after each epoch (MMEngine's default setup).", nameof(broadcastBuffers));
        FindUnusedParameters = findUnusedParameters;
        BucketCapMb = bucketCapMb;
    }

    /// <summary>Whether parameters without a gradient are allowed (as PyTorch's <c>find_unused_parameters</c>): their gradients count as zero.</summary>
    public bool FindUnusedParameters { get; }

    /// <summary>The size of the flat buffers gradients are averaged in, in MB (one all-reduce per bucket).</summary>
    public double BucketCapMb { get; }
}
