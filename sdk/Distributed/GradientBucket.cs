using System.Diagnostics;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Runner.Sdk.Distributed;

/// <summary>A parameter's place in a bucket: its first element's offset, its length, and its number among all the buckets' parameters.</summary>
internal readonly record struct GradientSlot(Parameter Parameter, long Offset, long Length, int Index);

/// <summary>
/// Gradients averaged by one all-reduce: a flat buffer, and where each parameter's gradient sits in it. With
/// <paramref name="views"/> (DDP's <c>gradient_as_bucket_view</c>) each parameter's gradient <em>is</em> its slot of
/// the buffer, so backward accumulates straight into it and the all-reduce averages it in place: no copies. A
/// gradient that is not its slot (of another dtype, or replaced by a wrapper that sets gradients to null) is copied
/// in before the all-reduce and back after, and made a view when it can be (so the first step, whose backward made
/// the gradients, copies, and the steps after it do not). A parameter alone in its bucket
/// (larger than the cap, or <c>flat_buffers</c>' one flat parameter) is averaged where its gradient is.
/// </summary>
internal sealed class GradientBucket(int index, ScalarType dtype, long length, IReadOnlyList<GradientSlot> slots, bool views) : IDisposable
{
    private Tensor? _flat;
    private readonly bool[] _copied = new bool[slots.Count];
    private Tensor? _reduced;

    /// <summary>The bucket's place in the order of all-reduces (the same on every rank).</summary>
    public int Index => index;

    public IReadOnlyList<GradientSlot> Slots => slots;

    /// <summary>Whether this bucket is only ever averaged after the backward pass (no signal says when its gradients
    /// are final).</summary>
    public bool AfterBackwardOnly { get; init; }

    /// <summary>The bucket's buffer, made when first needed (a parameter averaged where it is needs none).</summary>
    private Tensor Flat => _flat ??= zeros(length, dtype).DetachFromDisposeScope();

    private bool Alone => slots.Count == 1;

    /// <summary>
    /// The tensor to all-reduce, holding every gradient of the bucket: the gradients' own buffer when they are views
    /// of it, else a copy. Null when a parameter has no gradient, unless <paramref name="zeroMissing"/> counts it as
    /// zero (<c>find_unused_parameters</c>); <paramref name="missing"/> names the first such parameter.
    /// </summary>
    public Tensor? Gather(bool zeroMissing, out Parameter? missing, ref TimeSpan copyTime)
    {
        missing = null;
        using var _ = no_grad();
        if (Alone && slots[0].Parameter.grad is { } own)
        {
            if (own.is_contiguous() && own.dtype == dtype) return _reduced = own.DetachFromDisposeScope();
            own.Dispose();
        }
        var started = Stopwatch.GetTimestamp();
        var copies = 0;
        using (var scope = NewDisposeScope())
        {
            for (var i = 0; i < slots.Count; i++)
            {
                var (parameter, offset, count, _) = slots[i];
                _copied[i] = false;
                var grad = parameter.grad;
                if (grad is not null && views && !Alone && IsSlotOf(grad, offset)) continue;
                var slice = Flat.narrow(0, offset, count);
                if (grad is not null) slice.copy_(grad.reshape(-1));
                else if (zeroMissing) slice.zero_();
                else
                {
                    missing = parameter;
                    return null;
                }
                _copied[i] = grad is not null;
                copies++;
            }
        }
        if (copies > 0) copyTime += Stopwatch.GetElapsedTime(started);
        return _reduced = Flat;
    }

    /// <summary>
    /// After the all-reduce of what <see cref="Gather"/> returned: the averages copied back into the gradients that
    /// were copied out, made views again when they can be; a parameter without a gradient that some rank used
    /// (<paramref name="used"/>, by <see cref="GradientSlot.Index"/>) gets the average as its gradient.
    /// </summary>
    public void Scatter(long[]? used, ref TimeSpan copyTime)
    {
        var reduced = _reduced;
        _reduced = null;
        if (reduced is null) return;
        if (!ReferenceEquals(reduced, _flat))
        {
            reduced.Dispose(); // a parameter's own gradient, averaged where it was: only the handle goes
            return;
        }
        if (!_copied.Contains(true) && used is null) return;
        var started = Stopwatch.GetTimestamp();
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            for (var i = 0; i < slots.Count; i++)
            {
                var slot = slots[i];
                var averaged = Flat.narrow(0, slot.Offset, slot.Length).view(slot.Parameter.shape);
                if (_copied[i])
                {
                    if (views && slot.Parameter.dtype == dtype) slot.Parameter.grad = averaged; // a view again from now on
                    else slot.Parameter.grad!.copy_(averaged);
                }
                else if (slot.Parameter.grad is null && used is not null && used[slot.Index] == 1)
                {
                    slot.Parameter.grad = averaged.clone().DetachFromDisposeScope();
                }
            }
        }
        copyTime += Stopwatch.GetElapsedTime(started);
    }

    /// <summary>Lets the buffer go (gradients that are still views of it keep it until they are replaced).</summary>
    public void Dispose()
    {
        _flat?.Dispose();
        _flat = null;
    }

    /// <summary>Whether <paramref name="grad"/> is the view of this bucket's buffer at <paramref name="offset"/>.</summary>
    private bool IsSlotOf(Tensor grad, long offset) =>
        _flat is not null && grad.dtype == dtype && grad.is_contiguous() && TensorAddress.Of(grad) == TensorAddress.Of(_flat) + (nint)(offset * _flat.element_size());
}
