using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Runner.Sdk.Distributed;

/// <summary>
/// Data-parallel training (the role of MMEngine's <c>MMDistributedDataParallel</c>): every rank holds the whole
/// model, rank 0's weights are broadcast at the start, and before each optimizer step the gradients are averaged
/// over the ranks — in a few flat buffers (buckets of at most <c>bucket_cap_mb</c>, in reverse registration order),
/// one all-reduce per bucket, not one per parameter. As in PyTorch's DDP, the gradients live in the buckets
/// (<c>gradient_as_bucket_view</c>: nothing is copied), and each bucket's all-reduce starts on a thread of its own as
/// soon as its layers' backward has run (<see cref="GradientReadySignal"/>), so that communication overlaps the rest
/// of the backward pass; the step waits only for what is left. With gradient accumulation only the stepping iteration
/// communicates, as PyTorch's <c>no_sync</c> does. With <c>find_unused_parameters</c> the gradients are copied into
/// the buckets after backward, since a parameter no rank used must keep no gradient.
/// </summary>
internal sealed class DataParallel : IDisposable
{
    private readonly ICommunicator _world;
    private readonly ModelWrapperSettings _settings;
    private readonly Dictionary<Parameter, string> _names;
    private readonly List<GradientBucket> _buckets;
    private readonly GradientReadySignal? _signal;
    private readonly ReductionWorker? _worker;
    private readonly Tensor?[] _snapshots;
    private readonly bool[] _ready;
    private int _announced;
    private int _launched;
    private TimeSpan _copyTime;

    /// <param name="world">The ranks.</param>
    /// <param name="model">The model, whose layers signal when their gradients are ready.</param>
    /// <param name="parameters">The parameters whose gradients are averaged (an optimizer wrapper's).</param>
    /// <param name="settings"><c>model_wrapper_cfg</c>.</param>
    public DataParallel(ICommunicator world, nn.Module model, IReadOnlyList<Parameter> parameters, ModelWrapperSettings settings)
    {
        _world = world;
        _settings = settings;
        _names = new Dictionary<Parameter, string>(ReferenceEqualityComparer.Instance);
        foreach (var (name, parameter) in model.named_parameters()) _names[parameter] = name;
        var views = !settings.FindUnusedParameters;
        // The gradients become views of the buckets after the first step (the first backward makes them; that step
        // also checks that every parameter got one).
        _buckets = MakeBuckets(parameters, views);
        _snapshots = new Tensor?[_buckets.Count];
        _ready = new bool[_buckets.Count];
        // Overlap needs more than one bucket (the last one always waits for the end of backward) and a communicator
        // that a second thread may call.
        if (views && _buckets.Count > 1 && world.WorldSize > 1 && world.AcceptsCallsFromAnyThread)
        {
            _signal = new GradientReadySignal(model, _buckets, BucketReady);
            _worker = new ReductionWorker(world);
        }
    }

    /// <summary>Whether all-reduces start during the backward pass.</summary>
    public bool Overlaps => _worker is not null;

    /// <summary>The number of buckets (all-reduces per step).</summary>
    public int BucketCount => _buckets.Count;

    /// <summary>All-reduce calls made for gradients so far (the benchmark divides by iterations).</summary>
    public long GradientReductions { get; private set; }

    /// <summary>How many times the gradients were averaged (optimizer steps that communicated).</summary>
    public long Averagings { get; private set; }

    /// <summary>
    /// The time the steps waited for the gradients to be averaged once backward was over, plus what the main thread
    /// spent handing buckets over during backward: the part of communication the step does not hide.
    /// </summary>
    public TimeSpan GradientTime { get; private set; }

    /// <summary>
    /// Of <see cref="GradientTime"/>, the time spent waiting for the other ranks to arrive (without overlap: a
    /// one-number all-reduce before the buckets', which returns once every rank has finished its backward pass; with
    /// overlap the waiting is part of <see cref="TransferTime"/>).
    /// </summary>
    public TimeSpan WaitTime { get; private set; }

    /// <summary>Time spent copying gradients into the buckets and the averages back (none when they are views of the buckets).</summary>
    public TimeSpan CopyTime => _copyTime;

    /// <summary>The time of the buckets' all-reduces, wherever they ran.</summary>
    public TimeSpan TransferTime { get; private set; }

    /// <summary>Of <see cref="TransferTime"/>, the part that ran while backward went on.</summary>
    public TimeSpan OverlappedTime { get; private set; }

    /// <summary>Buckets handed to the all-reduce thread during backward, over all steps.</summary>
    public long BucketsStartedDuringBackward { get; private set; }

    /// <summary>Makes every rank's weights and buffers rank 0's (the model may have been built from another seed, or loaded from another file).</summary>
    public static void BroadcastState(ICommunicator world, nn.Module model)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var (name, tensor) in model.state_dict())
        {
            if (tensor.dtype is not (ScalarType.Float32 or ScalarType.Float64 or ScalarType.Int64))
            {
                // float16/bfloat16/int32…: through a float64 or int64 copy, which the collectives take.
                var wide = tensor.to_type(tensor.is_floating_point() ? ScalarType.Float64 : ScalarType.Int64).contiguous();
                world.Broadcast(wide, 0, $"broadcast of {name}");
                tensor.copy_(wide);
            }
            else if (tensor.is_contiguous())
            {
                world.Broadcast(tensor, 0, $"broadcast of {name}");
            }
            else
            {
                var copy = tensor.contiguous();
                world.Broadcast(copy, 0, $"broadcast of {name}");
                tensor.copy_(copy);
            }
        }
    }

    /// <summary>
    /// Before a backward pass (the optimizer wrapper calls it): when <paramref name="steps"/>, the buckets whose
    /// gradients are complete start their all-reduce during it.
    /// </summary>
    public void BeforeBackward(bool steps)
    {
        if (_signal is null) return;
        Array.Clear(_ready);
        _announced = _launched = 0;
        _signal.BeforeBackward(armed: steps);
    }

    /// <summary>After a backward pass that no step follows (accumulation): nothing was handed over.</summary>
    public void AfterBackwardWithoutStep() => _signal?.AfterBackward();

    /// <summary>
    /// Averages the gradients over the ranks, in place: waits for the all-reduces started during backward and runs
    /// the rest. A parameter without a gradient is an error unless <c>find_unused_parameters</c> is set.
    /// </summary>
    public void AverageGradients()
    {
        if (_world.WorldSize == 1) return;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        _signal?.AfterBackward();
        if (_signal?.Failure is { } failure) throw new DistributedException($"rank {_world.Rank}: the signal that gradients are ready failed: {failure.Message}", failure);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        if (_settings.FindUnusedParameters) AverageWithUnusedParameters();
        else if (_worker is not null) FinishOverlapped(_worker, started);
        else AverageAfterBackward();
        GradientTime += System.Diagnostics.Stopwatch.GetElapsedTime(started);
        Averagings++;
    }

    /// <summary>Stops the all-reduce thread and the layers' signals (after training).</summary>
    public void Dispose()
    {
        _signal?.Dispose();
        _worker?.Dispose();
        foreach (var snapshot in _snapshots) snapshot?.Dispose();
    }

    /// <summary>Buckets the first step found still changing after their layers' backward (averaged after backward since).</summary>
    public IReadOnlyList<int> BucketsAfterBackwardOnly => _buckets.Where(b => b.AfterBackwardOnly).Select(b => b.Index).ToList();

    /// <summary>
    /// During backward, from <see cref="GradientReadySignal"/>: hands every complete bucket whose turn it is to the
    /// all-reduce thread. The buckets start in one order on every rank (all-reduces match by order); a bucket that
    /// cannot start yet holds back those after it. The first time a bucket is announced complete it does not start:
    /// it is copied, and compared after backward with what it holds then (a model whose weights are used outside the
    /// layers that own them, say, changes a bucket after its signal); a bucket that changed is averaged after
    /// backward from then on, one that did not starts during backward from the next step.
    /// </summary>
    private void BucketReady(int index)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        _ready[index] = true;
        for (; _announced < _buckets.Count && _ready[_announced]; _announced++)
        {
            var bucket = _buckets[_announced];
            if (!bucket.Checked)
            {
                // No snapshot (a gradient still missing) counts as a change.
                _snapshots[_announced] = bucket.Snapshot() ?? empty(0).DetachFromDisposeScope();
                continue;
            }
            if (bucket.AfterBackwardOnly || _launched != _announced) continue;
            if (bucket.Gather(zeroMissing: false, out _, ref _copyTime) is not { } flat) continue; // a missing gradient: the error comes after backward
            _worker!.Enqueue(flat);
            _launched++;
        }
        GradientTime += System.Diagnostics.Stopwatch.GetElapsedTime(started);
    }

    /// <summary>The check of the buckets announced for the first time: one that changed after its signal is averaged after backward from now on.</summary>
    private void CheckSnapshots()
    {
        for (var i = 0; i < _buckets.Count; i++)
        {
            if (_snapshots[i] is not { } before) continue;
            using var after = _buckets[i].Snapshot();
            if (after is null || !before.shape.SequenceEqual(after.shape) || !before.eq(after).all().item<bool>()) _buckets[i].AfterBackwardOnly = true;
            _buckets[i].Checked = true;
            before.Dispose();
            _snapshots[i] = null;
        }
    }

    /// <summary>With overlap: the buckets not started during backward, in order, then the wait for all of them.</summary>
    private void FinishOverlapped(ReductionWorker worker, long backwardEnded)
    {
        CheckSnapshots();
        BucketsStartedDuringBackward += _launched;
        try
        {
            for (; _launched < _buckets.Count; _launched++)
            {
                var bucket = _buckets[_launched];
                var flat = bucket.Gather(zeroMissing: false, out var missing, ref _copyTime) ?? throw UnusedParameter(missing!);
                worker.Enqueue(flat);
            }
        }
        finally
        {
            // Whatever happens, no call of this thread may overlap the worker's.
            var reductions = worker.WaitForAll();
            foreach (var (from, to) in reductions)
            {
                TransferTime += System.Diagnostics.Stopwatch.GetElapsedTime(from, to);
                if (from < backwardEnded) OverlappedTime += System.Diagnostics.Stopwatch.GetElapsedTime(from, Math.Min(to, backwardEnded));
            }
            GradientReductions += reductions.Count;
        }
        foreach (var bucket in _buckets) bucket.Scatter(null, ref _copyTime);
    }

    /// <summary>Without overlap: every bucket after backward, once every rank has arrived.</summary>
    private void AverageAfterBackward()
    {
        var arrival = System.Diagnostics.Stopwatch.GetTimestamp();
        // One number first, so that waiting for a slower rank is told apart from the transfer that follows.
        using (var arrived = zeros(1, dtype: ScalarType.Int64)) _world.AllReduce(arrived, ReduceOp.Max, "the ranks' arrival before averaging gradients");
        WaitTime += System.Diagnostics.Stopwatch.GetElapsedTime(arrival);
        foreach (var bucket in _buckets)
        {
            var flat = bucket.Gather(zeroMissing: false, out var missing, ref _copyTime) ?? throw UnusedParameter(missing!);
            Reduce(flat);
            bucket.Scatter(null, ref _copyTime);
        }
    }

    /// <summary>
    /// <c>find_unused_parameters</c>: which parameters got a gradient on some rank is agreed first; a missing gradient
    /// counts as zero, and a parameter no rank used keeps none, as in one process.
    /// </summary>
    private void AverageWithUnusedParameters()
    {
        var arrival = System.Diagnostics.Stopwatch.GetTimestamp();
        var flags = _buckets.SelectMany(b => b.Slots).Select(s => s.Parameter.grad is null ? 0L : 1L).ToArray();
        using var used = tensor(flags);
        _world.AllReduce(used, ReduceOp.Max, "the gradients' presence");
        WaitTime += System.Diagnostics.Stopwatch.GetElapsedTime(arrival);
        var usedFlags = used.data<long>().ToArray();
        foreach (var bucket in _buckets)
        {
            Reduce(bucket.Gather(zeroMissing: true, out _, ref _copyTime)!);
            bucket.Scatter(usedFlags, ref _copyTime);
        }
    }

    private void Reduce(Tensor gradients)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        _world.AllReduce(gradients, ReduceOp.Mean, "the gradient all-reduce");
        GradientReductions++;
        TransferTime += System.Diagnostics.Stopwatch.GetElapsedTime(started);
    }
    /// <summary>Averages the model's floating-point buffers (BatchNorm running statistics) over the ranks.</summary>
    public static int AverageBuffers(ICommunicator world, nn.Module model)
    {
        if (world.WorldSize == 1) return 0;
        using var scope = NewDisposeScope();
        var count = 0;
        foreach (var (name, buffer) in model.named_buffers())
        {
            if (!buffer.is_floating_point()) continue; // num_batches_tracked is the same on every rank
            var wide = buffer.dtype is ScalarType.Float32 or ScalarType.Float64 && buffer.is_contiguous() ? buffer : buffer.to_type(ScalarType.Float64).contiguous();
            world.AllReduce(wide, ReduceOp.Mean, $"the average of buffer {name}");
            if (!ReferenceEquals(wide, buffer)) buffer.copy_(wide);
            count++;
        }
        return count;
    }

    /// <summary>The logged values of one iteration, averaged over the ranks (so the log shows the loss of the whole
    /// batch, and a non-finite loss on any rank is seen by all, which then skip or stop together).</summary>
    public IReadOnlyDictionary<string, double> AverageLogVars(IReadOnlyDictionary<string, double> logVars)
    {
        if (_world.WorldSize == 1) return logVars;
        var names = logVars.Keys.Order(StringComparer.Ordinal).ToArray();
        using var values = tensor(names.Select(n => logVars[n]).Append(names.Length).ToArray(), ScalarType.Float64);
        _world.AllReduce(values, ReduceOp.Mean, "the average of the logged losses");
        var averaged = values.data<double>().ToArray();
        if (averaged[^1] != names.Length)
            throw new DistributedException($"rank {_world.Rank}: the ranks' models returned different numbers of losses this iteration ({string.Join(", ", names)} here); every rank must return the same ones.");
        var result = new Dictionary<string, double>(names.Length, StringComparer.Ordinal);
        for (var i = 0; i < names.Length; i++) result[names[i]] = averaged[i];
        return result;
    }

    private List<GradientBucket> MakeBuckets(IReadOnlyList<Parameter> parameters, bool views)
    {
        // Reverse order, as PyTorch's DDP: the last layers' gradients are ready first.
        var cap = (long)(_settings.BucketCapMb * 1024 * 1024);
        var buckets = new List<GradientBucket>();
        var index = 0;
        foreach (var group in parameters.Where(p => p.requires_grad).Reverse().GroupBy(p => p.dtype))
        {
            var dtype = group.Key is ScalarType.Float32 or ScalarType.Float64 ? group.Key : ScalarType.Float32;
            var elementSize = dtype == ScalarType.Float64 ? 8 : 4;
            var slots = new List<GradientSlot>();
            long filled = 0;
            void Close()
            {
                if (slots.Count == 0) return;
                buckets.Add(new GradientBucket(buckets.Count, dtype, filled, [.. slots], views));
                slots.Clear();
                filled = 0;
            }
            foreach (var parameter in group)
            {
                var length = parameter.numel();
                if (filled > 0 && (filled + length) * elementSize > cap) Close();
                slots.Add(new GradientSlot(parameter, filled, length, index++));
                filled += length;
            }
            Close();
        }
        return buckets;
    }

    private DistributedException UnusedParameter(Parameter parameter) =>
        new($"rank {_world.Rank}: parameter '{(_names.TryGetValue(parameter, out var name) ? name : "?")}' got no gradient this iteration, so the ranks cannot average it. " +
            "If the model leaves some parameters unused on purpose, set model_wrapper_cfg = { find_unused_parameters = true }; otherwise freeze them (requires_grad = false).");
}
