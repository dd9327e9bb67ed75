namespace Runner.Sdk.Optim;

using Runner.Sdk.Configuration;
using Runner.Sdk.Registries;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

/// <summary>
/// MMEngine's <c>OptimWrapper</c>: one call per iteration, <see cref="UpdateParams"/>, does backward, gradient
/// accumulation (<c>accumulative_counts</c>), clipping (<c>clip_grad</c>), step and zero-grad.
/// </summary>
[Register]
public class OptimWrapper
{
    private int _innerCount;
    private int _maxCounts = -1;
    private int _remainderCounts = -1;

    /// <param name="optimizer">The TorchSharp optimizer (built by the runner from the <c>optimizer</c> table).</param>
    /// <param name="accumulativeCounts">Steps once every this many iterations; the loss is divided by the count.</param>
    /// <param name="clipGrad">Gradient clipping: <c>{ type = "norm", max_norm = 1.0, norm_type = 2.0 }</c> or <c>{ type = "value", clip_value = 0.5 }</c>.</param>
    public OptimWrapper(optim.Optimizer optimizer, int accumulativeCounts = 1, ConfigTable? clipGrad = null)
    {
        if (accumulativeCounts < 1) throw new ArgumentException($"accumulative_counts must be at least 1, got {accumulativeCounts}.");
        Optimizer = optimizer;
        AccumulativeCounts = accumulativeCounts;
        ClipGrad = clipGrad is null ? null : ClipGradSettings.From(clipGrad);
    }

    public optim.Optimizer Optimizer { get; }

    public int AccumulativeCounts { get; }

    public ClipGradSettings? ClipGrad { get; }

    /// <summary>The gradient norm of the last clipped step (logged as <c>train/grad_norm</c>), or null.</summary>
    public double? LastGradNorm { get; private set; }

    /// <summary>Backward passes so far (restored from the iteration on resume).</summary>
    public int InnerCount => _innerCount;

    /// <summary>Called by the runner before training: the iteration to continue from and the run's length.</summary>
    public void InitializeCountStatus(int initCounts, int maxCounts)
    {
        _innerCount = initCounts;
        _maxCounts = maxCounts;
        _remainderCounts = maxCounts % AccumulativeCounts;
    }

    /// <summary>Scale, backward, and — at the end of an accumulation group or of the run — step and zero-grad.</summary>
    public virtual void UpdateParams(Tensor loss)
    {
        using (var scaled = ScaleLoss(loss)) Backward(scaled);
        if (ShouldUpdate())
        {
            Step();
            ZeroGrad();
        }
    }

    public virtual void Backward(Tensor loss)
    {
        loss.backward();
        _innerCount++;
    }

    public virtual void Step()
    {
        if (ClipGrad is { } clip) LastGradNorm = clip.Apply(Optimizer.parameters());
        Optimizer.step();
    }

    public virtual void ZeroGrad() => Optimizer.zero_grad();

    /// <summary>The learning rate of each parameter group.</summary>
    public IReadOnlyList<double> GetLr() => Optimizer.ParamGroups.Select(g => g.LearningRate).ToList();

    /// <summary>Whether this iteration ends an accumulation group (MMEngine's <c>should_update</c>).</summary>
    public bool ShouldUpdate() => _innerCount % AccumulativeCounts == 0 || _innerCount == _maxCounts;

    private Tensor ScaleLoss(Tensor loss)
    {
        if (AccumulativeCounts == 1) return loss.alias();
        // The last, incomplete group of the run is divided by its own size, not by accumulative_counts.
        var factor = _maxCounts == -1 || _innerCount < _maxCounts - _remainderCounts ? AccumulativeCounts : _remainderCounts;
        return loss / factor;
    }

    /// <summary>The optimizer's state (TorchSharp's own format: options and per-parameter buffers).</summary>
    public byte[] SaveOptimizerState()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
            ((OptimizerHelper)Optimizer).save_state_dict(writer);
        return stream.ToArray();
    }

    public void LoadOptimizerState(byte[] state)
    {
        using var reader = new BinaryReader(new MemoryStream(state));
        ((OptimizerHelper)Optimizer).load_state_dict(reader);
    }
}
