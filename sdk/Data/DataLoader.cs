using System.ComponentModel.DataAnnotations;
using System.Collections;
using System.Collections.Concurrent;

namespace Runner.Sdk.Data;

/// <summary>
/// Batches a dataset in the order its sampler gives. With <c>num_workers</c> &gt; 0, batches are prepared ahead on
/// that many background threads (PyTorch uses processes; TorchSharp tensors are thread-safe to create, so threads
/// give the same overlap without copying), each holding at most <see cref="PrefetchFactor"/> batches, and handed out
/// in order. The caller owns every batch it receives and disposes it.
/// </summary>
public sealed class DataLoader : IEnumerable<DataBatch>
{
    /// <param name="dataset">The dataset.</param>
    /// <param name="sampler">The index order; the runner builds a <see cref="DefaultSampler"/> when the config names none.</param>
    /// <param name="batchSize">Samples per batch.</param>
    /// <param name="numWorkers">Background threads preparing batches; 0 prepares them on the training thread.</param>
    /// <param name="dropLast">Drop the last, incomplete batch.</param>
    /// <param name="prefetchFactor">Batches each worker prepares ahead.</param>
    /// <param name="numBatchPerEpoch">Stop each epoch after this many batches (MMEngine's <c>num_batch_per_epoch</c>, for quick checks of a config).</param>
    /// <param name="pinMemory">Put each batch in page-locked memory as it is loaded (on the loader's threads), so the copy to a GPU
    /// runs without blocking; only with CUDA (PyTorch's <c>pin_memory</c>; the runner says when it has no effect).</param>
    public DataLoader(IDataset dataset, ISampler sampler, [Range(1, int.MaxValue)] int batchSize = 1, [Range(0, MaxWorkers)] int numWorkers = 0, bool dropLast = false,
        [Range(1, int.MaxValue)] int prefetchFactor = 2, [Range(1, int.MaxValue)] int? numBatchPerEpoch = null, bool pinMemory = false)
    {
        NumBatchPerEpoch = numBatchPerEpoch;
        PinMemory = pinMemory;
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(numWorkers);
        ArgumentOutOfRangeException.ThrowIfLessThan(prefetchFactor, 1);
        Dataset = dataset;
        Sampler = sampler;
        BatchSize = batchSize;
        NumWorkers = numWorkers;
        DropLast = dropLast;
        PrefetchFactor = prefetchFactor;
    }

    /// <summary>The dataset batches are read from.</summary>
    public IDataset Dataset { get; }

    /// <summary>The sampler choosing the order of samples (and, with several ranks, this rank's share).</summary>
    public ISampler Sampler { get; }

    /// <summary>Samples per batch.</summary>
    public int BatchSize { get; }

    /// <summary>Threads that read and collate batches ahead of the loop (0: on the loop's thread).</summary>
    public int NumWorkers { get; }

    /// <summary>The most background threads a loader takes: each holds batches in memory, so past this a value can only be a mistake.</summary>
    public const int MaxWorkers = 256;

    /// <summary>Whether a last, smaller batch is left out.</summary>
    public bool DropLast { get; }

    /// <summary>Batches each worker prepares ahead.</summary>
    public int PrefetchFactor { get; }

    /// <summary>Whether <c>pin_memory</c> was asked for.</summary>
    public bool PinMemory { get; }

    /// <summary>Whether batches are really pinned: asked for, and CUDA is there (pinned memory serves copies to a GPU only).</summary>
    public bool PinsMemory => PinMemory && CudaAvailable.Value;

    private static readonly Lazy<bool> CudaAvailable = new(TorchSharp.torch.cuda.is_available);

    /// <summary>The most batches an epoch yields; null for all of them.</summary>
    public int? NumBatchPerEpoch { get; }

    /// <summary>The number of batches in one epoch (<c>len(dataloader)</c>).</summary>
    public int Count
    {
        get
        {
            var all = (int)(DropLast ? Sampler.Count / BatchSize : (Sampler.Count + BatchSize - 1) / BatchSize);
            return NumBatchPerEpoch is { } limit ? Math.Min(all, limit) : all;
        }
    }

    /// <summary>
    /// Throws when an epoch of this loader yields no batch, saying why: a train loop over it would run no iteration,
    /// and an evaluation would report a metric of nothing (MMEngine trains for zero iterations without a word).
    /// </summary>
    /// <param name="split">train, val or test: which loader, in the message.</param>
    internal void RequireBatches(string split)
    {
        if (Count > 0) return;
        var samples = Sampler.Count;
        throw new ArgumentException(samples == 0
            ? $"the {split} dataloader yields no batch: its dataset (this rank's share of it) has no sample."
            : $"the {split} dataloader yields no batch: batch_size = {BatchSize} with drop_last = true leaves none of the {samples} sample(s){(samples < Dataset.Count ? " of this rank's share" : "")}; lower batch_size or set drop_last = false.");
    }

    /// <summary>The index lists of this epoch's batches.</summary>
    public IReadOnlyList<long[]> PlanBatches(int skip = 0)
    {
        var indices = Sampler.GetIndices();
        var batches = new List<long[]>(Count);
        for (var b = skip; b < Count; b++)
        {
            var start = b * BatchSize;
            var length = Math.Min(BatchSize, indices.Count - start);
            var batch = new long[length];
            for (var i = 0; i < length; i++) batch[i] = indices[start + i];
            batches.Add(batch);
        }
        return batches;
    }

    /// <summary>The batches of one pass, from the first; the caller disposes each.</summary>
    public IEnumerator<DataBatch> GetEnumerator() => Iterate(0).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>This epoch's batches, starting after the first <paramref name="skip"/> (which are not loaded).</summary>
    public IEnumerable<DataBatch> Iterate(int skip)
    {
        var plan = PlanBatches(skip);
        var epoch = Sampler.Epoch; // the dataset's pipeline draws this epoch's augmentations
        return NumWorkers == 0 ? plan.Select(indices => Load(indices, epoch)) : Prefetch(plan, epoch);
    }

    /// <summary>One batch, with a dataset's failure reported as the dataset's, naming its plugin and the indices.</summary>
    private DataBatch Load(long[] indices, int epoch)
    {
        try
        {
            var batch = Dataset.GetItems(indices, epoch);
            batch.SampleIndices = indices;
            if (!PinsMemory) return batch;
            using (batch) return batch.Select((_, tensor) => tensor.pin_memory());
        }
        catch (Exception e) when (e is not RunnerException)
        {
            var provider = Dataset.GetType().Assembly.GetName();
            throw new RunnerException(
                $"{Dataset.GetType().Name} (from {provider.Name} {provider.Version}) failed to load samples [{string.Join(", ", indices.Take(8))}{(indices.Length > 8 ? ", …" : "")}]: " +
                $"{e.GetType().Name}: {e.Message}", e);
        }
    }

    private IEnumerable<DataBatch> Prefetch(IReadOnlyList<long[]> plan, int epoch)
    {
        using var cancel = new CancellationTokenSource();
        var queues = Enumerable.Range(0, NumWorkers)
            .Select(_ => new BlockingCollection<Func<DataBatch>>(PrefetchFactor)).ToArray();
        var workers = Enumerable.Range(0, NumWorkers).Select(w => Task.Factory.StartNew(() =>
        {
            // Worker w prepares batches w, w+W, w+2W… so reading queue b % W in turn restores the order.
            try
            {
                for (var b = w; b < plan.Count && !cancel.IsCancellationRequested; b += NumWorkers)
                {
                    DataBatch batch;
                    try
                    {
                        batch = Load(plan[b], epoch);
                    }
                    catch (RunnerException e)
                    {
                        queues[w].Add(() => throw e, cancel.Token);
                        return;
                    }
                    queues[w].Add(() => batch, cancel.Token);
                }
            }
            catch (OperationCanceledException)
            {
                // The consumer stopped early.
            }
        }, cancel.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();

        try
        {
            for (var b = 0; b < plan.Count; b++)
                yield return queues[b % NumWorkers].Take(cancel.Token)();
        }
        finally
        {
            cancel.Cancel();
            try
            {
                Task.WaitAll(workers);
            }
            catch (AggregateException)
            {
                // Cancelled workers; their failures were already delivered through the queues.
            }
            foreach (var queue in queues)
            {
                while (queue.TryTake(out var pending))
                {
                    try { pending().Dispose(); } catch (RunnerException) { }
                }
                queue.Dispose();
            }
        }
    }
}
