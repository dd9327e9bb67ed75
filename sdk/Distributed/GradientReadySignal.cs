using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Runner.Sdk.Distributed;

/// <summary>
/// Tells, during the backward pass, when a bucket's gradients are complete, so that its all-reduce can start while
/// backward goes on (PyTorch's DDP hooks each parameter's gradient accumulator; TorchSharp 0.107 has neither tensor
/// hooks nor accumulator hooks, but it has module pre-hooks and custom autograd functions). Each layer that holds
/// trainable parameters gets its input passed through an identity function whose backward runs once the layer's own
/// backward has run: by then libtorch has accumulated the layer's weight gradients (the engine runs gradient
/// accumulation before any other node that became ready at the same time). A layer called several times in one
/// forward pass is done when all its calls' backwards have run; a layer whose input needs no gradient (the first)
/// gets no signal, and its bucket is averaged after backward, as the last bucket is in DDP.
/// </summary>
internal sealed class GradientReadySignal : IDisposable
{
    private readonly List<Action> _removeHooks = [];
    private readonly int[][] _parametersOfLayer;
    private readonly int[][] _layersOfParameter;
    private readonly int[] _bucketOfParameter;
    private readonly int[] _bucketSizes;
    private readonly int[] _made;
    private readonly int[] _expected;
    private readonly int[] _done;
    private readonly int[] _readyInBucket;
    private readonly Action<int> _bucketReady;
    private readonly Action<GradientSlot> _parameterComplete;
    private readonly GradientSlot[] _slots;
    private readonly List<int> _completionOrder = [];
    private bool _armed;

    /// <param name="model">The model whose layers are probed.</param>
    /// <param name="buckets">The buckets, in all-reduce order.</param>
    /// <param name="bucketReady">Called, during an armed backward, with each bucket whose gradients are complete.</param>
    /// <param name="parameterComplete">Called before that with the slot of each parameter whose gradient is complete.</param>
    public GradientReadySignal(nn.Module model, IReadOnlyList<GradientBucket> buckets, Action<int> bucketReady, Action<GradientSlot> parameterComplete)
    {
        _bucketReady = bucketReady;
        _parameterComplete = parameterComplete;
        _slots = new GradientSlot[buckets.Sum(b => b.Slots.Count)];
        _bucketOfParameter = new int[_slots.Length];
        var indexOf = new Dictionary<Parameter, int>(ReferenceEqualityComparer.Instance);
        foreach (var bucket in buckets)
        {
            foreach (var slot in bucket.Slots)
            {
                _slots[slot.Index] = slot;
                _bucketOfParameter[slot.Index] = bucket.Index;
                indexOf[slot.Parameter] = slot.Index;
            }
        }
        _bucketSizes = buckets.Select(b => b.Slots.Count).ToArray();
        var layers = new List<int[]>();
        var owners = _slots.Select(_ => new List<int>()).ToArray();
        foreach (var (_, module) in model.named_modules())
        {
            if (module is not nn.Module<Tensor, Tensor> layer) continue; // other signatures: their buckets wait for the end of backward
            var own = module.parameters(recurse: false).Where(indexOf.ContainsKey).Select(p => indexOf[p]).ToArray();
            if (own.Length == 0) continue;
            var number = layers.Count;
            layers.Add(own);
            foreach (var parameter in own) owners[parameter].Add(number);
            var hook = layer.register_forward_pre_hook((_, input) => Probe(number, input));
            _removeHooks.Add(hook.remove);
        }
        _parametersOfLayer = [.. layers];
        _layersOfParameter = owners.Select(o => o.ToArray()).ToArray();
        _made = new int[layers.Count];
        _expected = new int[layers.Count];
        _done = new int[layers.Count];
        _readyInBucket = new int[buckets.Count];
    }

    /// <summary>The parameters (by <see cref="GradientSlot.Index"/>) in the order they became complete in the last armed backward.</summary>
    public IReadOnlyList<int> CompletionOrder => _completionOrder;

    /// <summary>An error raised inside a signal (never thrown there: an exception in an autograd callback aborts the process).</summary>
    public Exception? Failure { get; private set; }

    /// <summary>
    /// Before a backward pass: the layer calls made since the last call are the ones this backward goes through; when
    /// <paramref name="armed"/>, complete buckets are announced. (Calls of a forward pass that no backward followed, a
    /// skipped batch, are counted too: their layers then never look complete, and their buckets wait for the end of
    /// backward once. Counting too many can only delay an all-reduce, never start it early.)
    /// </summary>
    public void BeforeBackward(bool armed)
    {
        for (var i = 0; i < _made.Length; i++)
        {
            _expected[i] = _made[i];
            _made[i] = 0;
            _done[i] = 0;
        }
        Array.Clear(_readyInBucket);
        if (armed) _completionOrder.Clear();
        _armed = armed;
    }

    /// <summary>After the backward pass: no more announcements until the next armed one.</summary>
    public void AfterBackward() => _armed = false;

    public void Dispose()
    {
        foreach (var remove in _removeHooks) remove();
        _removeHooks.Clear();
    }

    private Tensor Probe(int layer, Tensor input)
    {
        if (!input.requires_grad || !is_grad_enabled()) return null!; // no backward will pass here: keep the input as it is
        _made[layer]++;
        return LayerBackwardProbe.apply(input, (Action)(() => LayerBackwardDone(layer)));
    }

    private void LayerBackwardDone(int layer)
    {
        try
        {
            if (!_armed || ++_done[layer] != _expected[layer]) return;
            foreach (var parameter in _parametersOfLayer[layer])
            {
                if (!Complete(parameter)) continue;
                _completionOrder.Add(parameter);
                _parameterComplete(_slots[parameter]);
                var bucket = _bucketOfParameter[parameter];
                if (++_readyInBucket[bucket] == _bucketSizes[bucket]) _bucketReady(bucket);
            }
        }
        catch (Exception e)
        {
            Failure ??= e;
            _armed = false;
        }
    }

    /// <summary>Whether every layer holding the parameter has run all its backwards (for a parameter shared by two layers, both).</summary>
    private bool Complete(int parameter)
    {
        foreach (var layer in _layersOfParameter[parameter])
            if (_expected[layer] == 0 || _done[layer] != _expected[layer]) return false;
        // A shared parameter is counted once: by the last of its layers to finish.
        return true;
    }

    /// <summary>The identity, whose backward says that the layer it feeds has run its own backward.</summary>
    private sealed class LayerBackwardProbe : autograd.SingleTensorFunction<LayerBackwardProbe>
    {
        public override string Name => "GradientReadyProbe";

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            ctx.save_data("done", vars[1]);
            return (Tensor)vars[0];
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
        {
            ((Action)ctx.get_data("done"))();
            return [gradOutput, null!];
        }
    }
}
