using System.Diagnostics;
using System.Runtime.InteropServices;
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
    private readonly nn.Module _model;
    private List<GradientBucket> _buckets;
    private GradientReadySignal? _signal;
    private readonly ReductionWorker? _worker;
    private readonly Tensor?[] _firstStepGradients;
    private bool[] _ready;
    private bool _learning;
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
        _model = model;
        // Reverse order, as PyTorch's DDP: the last layers' gradients are ready first. The gradients become views of
        // the buckets after the first step (the first backward makes them; that step also checks that every
        // parameter got one).
        _buckets = MakeBuckets([.. parameters.Where(p => p.requires_grad).Reverse()], views, signalled: int.MaxValue);
        _ready = new bool[_buckets.Count];
        _firstStepGradients = new Tensor?[_buckets.Sum(b => b.Slots.Count)];
        // Overlap needs a communicator that a second thread may call.
        if (views && world.WorldSize > 1 && world.AcceptsCallsFromAnyThread)
        {
            _signal = new GradientReadySignal(model, _buckets, BucketReady, ParameterComplete);
            _worker = new ReductionWorker(world);
            _learning = true;
        }
    }

    /// <summary>Whether all-reduces start during the backward pass.</summary>
    public bool Overlaps => _worker is not null;

    /// <summary>The number of buckets (all-reduces per step).</summary>
    public int BucketCount => _buckets.Count;

    /// <summary>Each bucket's parameters, in all-reduce order.</summary>
    public IReadOnlyList<IReadOnlyList<Parameter>> BucketParameters => _buckets.Select(b => (IReadOnlyList<Parameter>)[.. b.Slots.Select(s => s.Parameter)]).ToList();

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
        var started = Stopwatch.GetTimestamp();
        _signal?.AfterBackward();
        if (_signal?.Failure is { } failure) throw new DistributedException($"rank {_world.Rank}: the signal that gradients are ready failed: {failure.Message}", failure);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        if (_settings.FindUnusedParameters) AverageWithUnusedParameters();
        else if (_worker is not null) FinishOverlapped(_worker, started);
        else AverageAfterBackward();
        GradientTime += Stopwatch.GetElapsedTime(started);
        Averagings++;
    }

    /// <summary>Stops the all-reduce thread and the layers' signals (after training).</summary>
    public void Dispose()
    {
        _signal?.Dispose();
        _worker?.Dispose();
        foreach (var bucket in _buckets) bucket.Dispose();
        foreach (var copy in _firstStepGradients) copy?.Dispose();
    }

    /// <summary>
    /// The parameters whose gradients the first step found still changing after their layers' signal (weights used
    /// outside the layers that own them), by name: they are averaged after backward.
    /// </summary>
    public IReadOnlyList<string> ParametersAfterBackwardOnly { get; private set; } = [];

    /// <summary>
    /// During backward, from <see cref="GradientReadySignal"/>: hands every complete bucket whose turn it is to the
    /// all-reduce thread. The buckets start in one order on every rank (all-reduces match by order); a bucket that
    /// cannot start yet holds back those after it. The first step only learns (see <see cref="LearnFromFirstStep"/>).
    /// </summary>
    private void BucketReady(int index)
    {
        if (_learning) return;
        var started = Stopwatch.GetTimestamp();
        _ready[index] = true;
        for (; _announced < _buckets.Count && _ready[_announced]; _announced++)
        {
            var bucket = _buckets[_announced];
            if (bucket.AfterBackwardOnly || _launched != _announced) continue;
            if (bucket.Gather(zeroMissing: false, out _, ref _copyTime) is not { } flat) continue; // a missing gradient: the error comes after backward
            _worker!.Enqueue(flat);
            _launched++;
        }
        GradientTime += Stopwatch.GetElapsedTime(started);
    }

    /// <summary>On the first step, from <see cref="GradientReadySignal"/>: a copy of the gradient its layer's signal calls complete.</summary>
    private void ParameterComplete(GradientSlot slot)
    {
        if (!_learning) return;
        using var grad = slot.Parameter.grad;
        _firstStepGradients[slot.Index] = (grad?.clone() ?? empty(0)).DetachFromDisposeScope(); // no gradient yet counts as a change
    }

    /// <summary>With overlap: the buckets not started during backward, in order, then the wait for all of them.</summary>
    private void FinishOverlapped(ReductionWorker worker, long backwardEnded)
    {
        var changed = _learning ? GradientsChangedAfterTheirSignal() : null;
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
                TransferTime += Stopwatch.GetElapsedTime(from, to);
                if (from < backwardEnded) OverlappedTime += Stopwatch.GetElapsedTime(from, Math.Min(to, backwardEnded));
            }
            GradientReductions += reductions.Count;
        }
        foreach (var bucket in _buckets) bucket.Scatter(null, ref _copyTime);
        if (changed is not null) LearnFromFirstStep(changed);
    }

    /// <summary>The first step's check, before averaging: which gradients differ from their copy at their layer's signal.</summary>
    private bool[] GradientsChangedAfterTheirSignal()
    {
        var changed = new bool[_firstStepGradients.Length];
        foreach (var slot in _buckets.SelectMany(b => b.Slots))
        {
            using var grad = slot.Parameter.grad;
            var copy = _firstStepGradients[slot.Index];
            changed[slot.Index] = copy is null || grad is null || !copy.shape.SequenceEqual(grad.shape) || !copy.eq(grad).all().item<bool>();
            copy?.Dispose();
            _firstStepGradients[slot.Index] = null;
        }
        return changed;
    }

    /// <summary>
    /// After the first step with overlap, which only learns: the buckets are laid out again in the order their
    /// gradients became complete (rank 0's order, so that all ranks agree; DDP rebuilds its buckets after the first
    /// iteration for the same reason), and the parameters that no layer signals (the first layer's, whose input needs
    /// no gradient) or whose gradient still changed after its signal on some rank (a weight used outside the layer
    /// that owns it) go into buckets of their own at the end, averaged after backward. What waits for the end of
    /// backward is then as small as it can be, and no bucket starts before its gradients are final.
    /// </summary>
    private void LearnFromFirstStep(bool[] changed)
    {
        _learning = false;
        var parameters = ParametersByIndex();
        var completed = _signal!.CompletionOrder.Distinct().ToList();
        var signalled = completed.ToHashSet();
        using var late = tensor(Enumerable.Range(0, parameters.Count).Select(i => changed[i] || !signalled.Contains(i) ? 1L : 0L).ToArray());
        _world.AllReduce(late, ReduceOp.Max, "the parameters averaged after backward");
        var afterBackward = late.data<long>().ToArray();
        int[] mine = [.. completed];
        var agreed = MemoryMarshal.Cast<byte, int>(_world.Broadcast(MemoryMarshal.AsBytes(mine.AsSpan()).ToArray(), 0, "the order of the gradient buckets")).ToArray();
        if (agreed.Any(i => i < 0 || i >= parameters.Count) || agreed.Distinct().Count() != agreed.Length)
            throw new DistributedException($"rank {_world.Rank}: rank 0's order of the gradient buckets does not name this rank's {parameters.Count} parameters: the ranks' models differ.");
        var early = agreed.Where(i => afterBackward[i] == 0).ToList();
        var inEarly = early.ToHashSet();
        var rest = Enumerable.Range(0, parameters.Count).Where(i => !inEarly.Contains(i));
        var buckets = MakeBuckets([.. early.Concat(rest).Select(i => parameters[i])], views: true, signalled: early.Count, smallTail: true);
        ParametersAfterBackwardOnly = [.. Enumerable.Range(0, parameters.Count).Where(i => changed[i] && signalled.Contains(i)).Select(i => _names.GetValueOrDefault(parameters[i], "?"))];
        _signal.Dispose();
        foreach (var bucket in _buckets) bucket.Dispose();
        _buckets = buckets;
        _ready = new bool[buckets.Count];
        _signal = new GradientReadySignal(_model, buckets, BucketReady, ParameterComplete);
    }

    /// <summary>The parameters by <see cref="GradientSlot.Index"/> (their place over all buckets, in all-reduce order).</summary>
    private List<Parameter> ParametersByIndex() => [.. _buckets.SelectMany(b => b.Slots).Select(s => s.Parameter)];

    /// <summary>Without overlap: every bucket after backward, once every rank has arrived.</summary>
    private void AverageAfterBackward()
    {
        var arrival = Stopwatch.GetTimestamp();
        // One number first, so that waiting for a slower rank is told apart from the transfer that follows.
        using (var arrived = zeros(1, dtype: ScalarType.Int64)) _world.AllReduce(arrived, ReduceOp.Max, "the ranks' arrival before averaging gradients");
        WaitTime += Stopwatch.GetElapsedTime(arrival);
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
        var arrival = Stopwatch.GetTimestamp();
        var flags = _buckets.SelectMany(b => b.Slots).Select(s => s.Parameter.grad is null ? 0L : 1L).ToArray();
        using var used = tensor(flags);
        _world.AllReduce(used, ReduceOp.Max, "the gradients' presence");
        WaitTime += Stopwatch.GetElapsedTime(arrival);
        var usedFlags = used.data<long>().ToArray();
        foreach (var bucket in _buckets)
        {
            Reduce(bucket.Gather(zeroMissing: true, out _, ref _copyTime)!);
            bucket.Scatter(usedFlags, ref _copyTime);
        }
    }

    private void Reduce(Tensor gradients)
    {
        var started = Stopwatch.GetTimestamp();
        _world.AllReduce(gradients, ReduceOp.Mean, "the gradient all-reduce");
        GradientReductions++;
        TransferTime += Stopwatch.GetElapsedTime(started);
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

    /// <summary>
    /// Buckets of at most <c>bucket_cap_mb</c>, one dtype each, filled in <paramref name="inOrder"/> (the all-reduce
    /// order); the parameters from position <paramref name="signalled"/> on (those averaged after backward) start buckets of their own.
    /// With <paramref name="smallTail"/> (the learned order, all-reduced during backward), the signalled buckets are cut
    /// from the end: the last one to become ready is all-reduced after the last layer's backward, where nothing hides
    /// it, so it holds at most <see cref="TailBucketBytes"/>, and each bucket before it at most twice the one after it
    /// (up to the cap), since it has more of the backward pass left to overlap with.
    /// </summary>
    private List<GradientBucket> MakeBuckets(IReadOnlyList<Parameter> inOrder, bool views, int signalled, bool smallTail = false)
    {
        var cap = (long)(_settings.BucketCapMb * 1024 * 1024);
        var buckets = new List<GradientBucket>();
        var index = 0;
        foreach (var group in inOrder.Select((p, position) => (Parameter: p, Tail: position >= signalled)).GroupBy(p => p.Parameter.dtype))
        {
            var dtype = group.Key is ScalarType.Float32 or ScalarType.Float64 ? group.Key : ScalarType.Float32;
            var elementSize = dtype == ScalarType.Float64 ? 8 : 4;
            var members = group.ToList(); // the signalled parameters first, so a break's position is also theirs
            var startsBucket = smallTail ? TailFirstBreaks(members.Where(m => !m.Tail).Select(m => m.Parameter.numel() * elementSize).ToList(), cap) : [];
            var slots = new List<GradientSlot>();
            long filled = 0;
            var inTail = false;
            var position = 0;
            void Close()
            {
                if (slots.Count == 0) return;
                buckets.Add(new GradientBucket(buckets.Count, dtype, filled, [.. slots], views) { AfterBackwardOnly = inTail });
                slots.Clear();
                filled = 0;
            }
            foreach (var (parameter, tail) in members)
            {
                var length = parameter.numel();
                if (filled > 0 && ((filled + length) * elementSize > cap || tail != inTail || startsBucket.Contains(position))) Close();
                position++;
                inTail = tail;
                slots.Add(new GradientSlot(parameter, filled, length, index++));
                filled += length;
            }
            Close();
        }
        return buckets;
    }

    /// <summary>The size of the last bucket of the learned order (see <see cref="MakeBuckets"/>): 1 MB, the size DDP gives its first bucket for the same reason, to start early.</summary>
    private const long TailBucketBytes = 1024 * 1024;

    /// <summary>
    /// The positions in <paramref name="bytes"/> (the signalled gradients' sizes, in all-reduce order) where a bucket
    /// starts when the buckets are cut from the end: <see cref="TailBucketBytes"/> for the last, then doubling up to <paramref name="cap"/>.
    /// </summary>
    private static HashSet<int> TailFirstBreaks(IReadOnlyList<long> bytes, long cap)
    {
        var breaks = new HashSet<int>();
        var limit = Math.Min(cap, TailBucketBytes);
        long filled = 0;
        for (var i = bytes.Count - 1; i >= 0; i--)
        {
            if (filled > 0 && filled + bytes[i] > limit)
            {
                breaks.Add(i + 1);
                filled = 0;
                limit = Math.Min(cap, limit * 2);
            }
            filled += bytes[i];
        }
        return breaks;
    }

    private DistributedException UnusedParameter(Parameter parameter) =>
        new($"rank {_world.Rank}: parameter '{_names.GetValueOrDefault(parameter, "?")}' got no gradient this iteration, so the ranks cannot average it. " +
            "If the model leaves some parameters unused on purpose, set model_wrapper_cfg = { find_unused_parameters = true }; otherwise freeze them (requires_grad = false).");
}
