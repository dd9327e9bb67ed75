using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Runner.Sdk.Distributed;

/// <summary>
/// Data-parallel training (the role of MMEngine's <c>MMDistributedDataParallel</c>): every rank holds the whole
/// model, rank 0's weights are broadcast at the start, and before each optimizer step the gradients are averaged
/// over the ranks — copied into a few flat buffers (buckets of at most <c>bucket_cap_mb</c>), one all-reduce per
/// bucket, not one per parameter. With gradient accumulation only the stepping iteration communicates, as
/// PyTorch's <c>no_sync</c> does.
/// </summary>
internal sealed class DataParallel
{
    private readonly ICommunicator _world;
    private readonly ModelWrapperSettings _settings;
    private readonly Dictionary<Parameter, string> _names;
    private List<Bucket>? _buckets;
    private IReadOnlyList<Parameter>? _bucketed;

    /// <summary>A flat buffer and where each parameter's gradient sits in it; <c>Index</c> counts parameters over all buckets.</summary>
    private sealed class Bucket(ScalarType dtype, long length, List<(Parameter Parameter, long Offset, long Length, int Index)> slots)
    {
        private Tensor? _flat;

        public ScalarType DType => dtype;

        public List<(Parameter Parameter, long Offset, long Length, int Index)> Slots => slots;

        /// <summary>The bucket's buffer, made when first needed (a parameter averaged in place needs none).</summary>
        public Tensor Flat => _flat ??= zeros(length, dtype).DetachFromDisposeScope();
    }

    public DataParallel(ICommunicator world, nn.Module model, ModelWrapperSettings settings)
    {
        _world = world;
        _settings = settings;
        _names = new Dictionary<Parameter, string>(ReferenceEqualityComparer.Instance);
        foreach (var (name, parameter) in model.named_parameters()) _names[parameter] = name;
    }

    /// <summary>All-reduce calls made for gradients so far (the benchmark divides by iterations).</summary>
    public long GradientReductions { get; private set; }

    /// <summary>How many times the gradients were averaged (optimizer steps that communicated).</summary>
    public long Averagings { get; private set; }

    /// <summary>Time spent averaging gradients so far (copies into the buckets, the all-reduces, copies back).</summary>
    public TimeSpan GradientTime { get; private set; }

    /// <summary>
    /// Of <see cref="GradientTime"/>, the time spent waiting for the other ranks to arrive (a one-number all-reduce
    /// before the buckets', which returns once every rank has finished its backward pass).
    /// </summary>
    public TimeSpan WaitTime { get; private set; }

    /// <summary>Of <see cref="GradientTime"/>, the time spent copying gradients into the buckets and the averages back.</summary>
    public TimeSpan CopyTime { get; private set; }

    /// <summary>Of <see cref="GradientTime"/>, the time of the buckets' all-reduces once every rank is there: the transfer.</summary>
    public TimeSpan TransferTime { get; private set; }

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
    /// Averages the gradients of <paramref name="parameters"/> (those that require one) over the ranks, in place.
    /// A parameter without a gradient is an error unless <c>find_unused_parameters</c> is set.
    /// </summary>
    public void AverageGradients(IReadOnlyList<Parameter> parameters)
    {
        if (_world.WorldSize == 1) return;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        if (!ReferenceEquals(parameters, _bucketed) || _buckets is null) (_buckets, _bucketed) = (MakeBuckets(parameters), parameters);
        Tensor? used = null;
        var arrival = System.Diagnostics.Stopwatch.GetTimestamp();
        if (_settings.FindUnusedParameters)
        {
            // Which parameters got a gradient on some rank: those that no rank used keep none, as in one process.
            var flags = _buckets.SelectMany(b => b.Slots).Select(s => s.Parameter.grad is null ? 0L : 1L).ToArray();
            used = tensor(flags);
            _world.AllReduce(used, ReduceOp.Max, "the gradients' presence");
        }
        else
        {
            // One number first, so that waiting for a slower rank is told apart from the transfer that follows.
            using var arrived = zeros(1, dtype: ScalarType.Int64);
            _world.AllReduce(arrived, ReduceOp.Max, "the ranks' arrival before averaging gradients");
        }
        WaitTime += System.Diagnostics.Stopwatch.GetElapsedTime(arrival);
        var usedFlags = used?.data<long>().ToArray();
        foreach (var bucket in _buckets)
        {
            // A parameter alone in its bucket (larger than the cap, or flat_buffers' one flat parameter) whose gradient
            // is already one contiguous buffer of the bucket's type is averaged where it is, without the two copies.
            if (bucket.Slots is [var (alone, _, _, _)] && alone.grad is { } own && own.is_contiguous() && own.dtype == bucket.DType)
            {
                var inPlace = System.Diagnostics.Stopwatch.GetTimestamp();
                _world.AllReduce(own, ReduceOp.Mean, "the gradient all-reduce");
                GradientReductions++;
                TransferTime += System.Diagnostics.Stopwatch.GetElapsedTime(inPlace);
                continue;
            }
            var copyIn = System.Diagnostics.Stopwatch.GetTimestamp();
            foreach (var (parameter, offset, length, _) in bucket.Slots)
            {
                var slice = bucket.Flat.narrow(0, offset, length);
                if (parameter.grad is { } grad) slice.copy_(grad.reshape(-1));
                else if (_settings.FindUnusedParameters) slice.zero_();
                else throw UnusedParameter(parameter);
            }
            var transfer = System.Diagnostics.Stopwatch.GetTimestamp();
            CopyTime += System.Diagnostics.Stopwatch.GetElapsedTime(copyIn, transfer);
            _world.AllReduce(bucket.Flat, ReduceOp.Mean, "the gradient all-reduce");
            GradientReductions++;
            var copyOut = System.Diagnostics.Stopwatch.GetTimestamp();
            TransferTime += System.Diagnostics.Stopwatch.GetElapsedTime(transfer, copyOut);
            foreach (var (parameter, offset, length, index) in bucket.Slots)
            {
                var averaged = bucket.Flat.narrow(0, offset, length).view(parameter.shape);
                if (parameter.grad is { } grad) grad.copy_(averaged);
                else if (usedFlags![index] == 1) parameter.grad = averaged.clone().DetachFromDisposeScope();
            }
            CopyTime += System.Diagnostics.Stopwatch.GetElapsedTime(copyOut);
        }
        GradientTime += System.Diagnostics.Stopwatch.GetElapsedTime(started);
        Averagings++;
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

    private List<Bucket> MakeBuckets(IReadOnlyList<Parameter> parameters)
    {
        // Reverse order, as PyTorch's DDP: the last layers' gradients are ready first.
        var cap = (long)(_settings.BucketCapMb * 1024 * 1024);
        var buckets = new List<Bucket>();
        var index = 0;
        foreach (var group in parameters.Where(p => p.requires_grad).Reverse().GroupBy(p => p.dtype))
        {
            var dtype = group.Key is ScalarType.Float32 or ScalarType.Float64 ? group.Key : ScalarType.Float32;
            var elementSize = dtype == ScalarType.Float64 ? 8 : 4;
            var slots = new List<(Parameter, long, long, int)>();
            long filled = 0;
            void Close()
            {
                if (slots.Count == 0) return;
                buckets.Add(new Bucket(dtype, filled, [.. slots]));
                slots.Clear();
                filled = 0;
            }
            foreach (var parameter in group)
            {
                var length = parameter.numel();
                if (filled > 0 && (filled + length) * elementSize > cap) Close();
                slots.Add((parameter, filled, length, index++));
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
