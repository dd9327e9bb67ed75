using Runner.Sdk.Registries;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Runner.Sdk.Optim;

/// <summary>
/// MMEngine's <c>OptimWrapper</c>: one call per iteration, <see cref="UpdateParams"/>, does backward, gradient
/// accumulation (<c>accumulative_counts</c>), clipping (<c>clip_grad</c>), step and zero-grad.
/// </summary>
[Register]
[ComponentKind("optim wrapper", 10)]
public class OptimWrapper
{
    private int _innerCount;
    private int _maxCounts = -1;
    private int _remainderCounts = -1;
    private readonly Dictionary<string, double[]> _initialValues = new(StringComparer.Ordinal);
    private ParamGroupAccess? _groups;

    /// <param name="optimizer">The TorchSharp optimizer (built by the runner from the <c>optimizer</c> table).</param>
    /// <param name="accumulativeCounts">Steps once every this many iterations; the loss is divided by the count.</param>
    /// <param name="clipGrad">Gradient clipping: <c>{ type = "norm", max_norm = 1.0, norm_type = 2.0 }</c> or <c>{ type = "value", clip_value = 0.5 }</c>.</param>
    /// <param name="skipNonfiniteLoss">Skip a batch whose loss is NaN or infinite (counted in the log as <c>nonfinite_skipped</c>) instead of stopping with an error.</param>
    public OptimWrapper(optim.Optimizer optimizer, int accumulativeCounts = 1, ClipGradSettings? clipGrad = null, bool skipNonfiniteLoss = false)
    {
        SkipNonfiniteLoss = skipNonfiniteLoss;
        if (accumulativeCounts < 1) throw new ArgumentException($"accumulative_counts must be at least 1, got {accumulativeCounts}.");
        Optimizer = optimizer;
        AccumulativeCounts = accumulativeCounts;
        ClipGrad = clipGrad;
    }

    /// <summary>
    /// <c>flat_buffers</c>: the trainable parameters and their gradients live in one buffer each, so a step is a handful
    /// of kernels (for many small parameters on a GPU). The runner's optimizer constructor lays them out; a checkpoint's
    /// optimizer state then resumes only with the same setting.
    /// </summary>
    public bool FlatBuffers { get; init; }

    /// <summary>The flat gradient buffer when <see cref="FlatBuffers"/> is on (set by the optimizer constructor).</summary>
    internal Tensor? FlatGradients { get; set; }

    /// <summary>For an <see cref="OptimWrapperDict"/>, which holds no optimizer of its own.</summary>
    protected OptimWrapper()
    {
        Optimizer = null!;
        AccumulativeCounts = 1;
    }

    /// <summary>The wrapped TorchSharp optimizer.</summary>
    public virtual optim.Optimizer Optimizer { get; }

    /// <summary>The wrappers holding an optimizer, by name: this one (named "") or, for a dict, each of its wrappers.</summary>
    public virtual IReadOnlyList<(string Name, OptimWrapper Wrapper)> NamedWrappers() => [("", this)];

    /// <summary>The learning rates to log, by name: <c>lr</c> (the first group's), or <c>{name}.lr</c> for each wrapper of a dict.</summary>
    public virtual IReadOnlyDictionary<string, double> LrForLogging() => new Dictionary<string, double>(1) { ["lr"] = Groups.Get(0, "lr") };

    /// <summary>Iterations whose gradients are accumulated before each step (MMEngine's <c>accumulative_counts</c>).</summary>
    public int AccumulativeCounts { get; }

    /// <summary>Skip batches with a non-finite loss instead of failing.</summary>
    public bool SkipNonfiniteLoss { get; }

    /// <summary>Batches skipped so far for a non-finite loss.</summary>
    public int NonfiniteSkipped { get; private set; }

    /// <summary>Records a skipped batch (called by <c>BaseModel.TrainStep</c>).</summary>
    public void CountNonfiniteSkip() => NonfiniteSkipped++;

    /// <summary>Gradient clipping before each step, or null.</summary>
    public ClipGradSettings? ClipGrad { get; }

    /// <summary>The gradient norm of the last clipped step (logged as <c>train/grad_norm</c>), or null.</summary>
    public double? LastGradNorm { get; protected set; }

    /// <summary>Backward passes so far (restored from the iteration on resume).</summary>
    public int InnerCount => _innerCount;

    /// <summary>Called by the runner before training: the iteration to continue from and the run's length.</summary>
    public virtual void InitializeCountStatus(int initCounts, int maxCounts)
    {
        _innerCount = initCounts;
        _maxCounts = maxCounts;
        _remainderCounts = maxCounts % AccumulativeCounts;
    }

    /// <summary>
    /// With several ranks, averages the gradients over them before each step (set by the runner; null in one process).
    /// </summary>
    internal Distributed.DataParallel? DataParallel { get; set; }

    /// <summary>
    /// A training step's logged values as every rank must see them: with several ranks (data parallel), their mean
    /// over the ranks — the log then shows the whole batch's loss, and a non-finite loss on one rank is seen by all,
    /// which skip the batch or stop together instead of waiting for each other; in one process, the values as they
    /// are. <c>BaseModel.TrainStep</c> calls it before it judges the loss; a model that overrides
    /// <c>TrainStep</c> calls it too (it is collective: every rank calls it once per step).
    /// </summary>
    /// <param name="logVars">This rank's values (each loss and their total, <c>loss</c>).</param>
    /// <returns>The values to log and to judge.</returns>
    /// <example><code>
    /// var (loss, parsed) = ParseLosses(losses);
    /// var logVars = optimWrapper.ReduceLogVars(parsed);
    /// if (logVars.Values.Any(v => !double.IsFinite(v))) throw NonfiniteLossException.For(logVars);
    /// optimWrapper.UpdateParams(loss);
    /// </code></example>
    public IReadOnlyDictionary<string, double> ReduceLogVars(IReadOnlyDictionary<string, double> logVars) =>
        DataParallel is { } parallel ? parallel.AverageLogVars(logVars) : logVars;

    private IReadOnlyList<Parameter>? _gradientParameters;

    /// <summary>The parameters whose gradients the ranks average: the optimizer's (a wrapper whose optimizer steps
    /// copies of the model's parameters, as <see cref="AmpOptimWrapper"/>, names the model's, which hold the gradients).</summary>
    protected virtual IReadOnlyList<Parameter> GradientParameters() => _gradientParameters ??= Optimizer.parameters().ToList();

    /// <summary>What <see cref="GradientParameters"/> returns, for the runner's data parallel.</summary>
    internal IReadOnlyList<Parameter> ParametersToAverage() => GradientParameters();

    /// <summary>
    /// Scale, backward, and — at the end of an accumulation group or of the run — average the gradients over the
    /// ranks (only then, as PyTorch's <c>no_sync</c>), step and zero-grad.
    /// </summary>
    public virtual void UpdateParams(Tensor loss)
    {
        // With several ranks, the buckets of gradients complete during a stepping backward start their all-reduce then.
        DataParallel?.BeforeBackward(steps: EndsGroup(_innerCount + 1));
        if (AccumulativeCounts == 1) Backward(loss); // the usual case: no scaled copy of the loss to make
        else using (var scaled = ScaleLoss(loss)) Backward(scaled);
        if (ShouldUpdate())
        {
            DataParallel?.AverageGradients();
            Step();
            ZeroGrad();
        }
        else
        {
            DataParallel?.AfterBackwardWithoutStep();
        }
    }

    /// <summary>Back-propagates <paramref name="loss"/> (scaled, in a subclass that scales) and counts the iteration.</summary>
    public virtual void Backward(Tensor loss)
    {
        loss.backward();
        _innerCount++;
    }

    /// <summary>Clips the gradients (when configured) and steps the optimizer.</summary>
    public virtual void Step()
    {
        if (ClipGrad is { } clip) LastGradNorm = clip.Apply(Optimizer.parameters());
        Optimizer.step();
    }

    /// <summary>Clears the gradients.</summary>
    public virtual void ZeroGrad()
    {
        // With flat buffers the model's gradients are views of one tensor: zeroed in place, never dropped.
        if (FlatGradients is { } flat) flat.zero_();
        else Optimizer.zero_grad();
    }

    /// <summary>The learning rate of each parameter group (MMEngine's <c>get_lr()['lr']</c>).</summary>
    public IReadOnlyList<double> GetLr() => Enumerable.Range(0, Groups.Count).Select(i => Groups.Get(i, "lr")).ToList();

    /// <summary>The momentum of each parameter group: SGD's or RMSprop's momentum, Adam's first beta, else 0.</summary>
    public IReadOnlyList<double> GetMomentum() =>
        Enumerable.Range(0, Groups.Count).Select(i => Groups.Has("momentum") ? Groups.Get(i, "momentum") : 0.0).ToList();

    /// <summary>The number of parameter groups.</summary>
    public int ParamGroupCount => Groups.Count;

    /// <summary>An option of one parameter group (<c>lr</c>, <c>momentum</c>, <c>weight_decay</c>…).</summary>
    public double GetParam(int group, string name) => Groups.Get(group, name);

    /// <summary>Sets an option of one parameter group (what schedulers do).</summary>
    public void SetParam(int group, string name, double value) => Groups.Set(group, name, value);

    /// <summary>
    /// Each group's value of <paramref name="name"/> when scheduling started (MMEngine's <c>initial_{name}</c>): recorded
    /// the first time a scheduler asks, so schedulers chained on one optimizer share the same base.
    /// </summary>
    public double[] InitialValues(string name)
    {
        if (name == "lr")
            return Optimizer.ParamGroups.Select(g => g.InitialLearningRate > 0 ? g.InitialLearningRate : g.LearningRate).ToArray();
        if (!_initialValues.TryGetValue(name, out var values))
            _initialValues[name] = values = Enumerable.Range(0, Groups.Count).Select(i => Groups.Get(i, name)).ToArray();
        return values;
    }

    /// <summary>Overrides the initial values (OneCycle starts from <c>eta_max / div_factor</c>).</summary>
    public void SetInitialValues(string name, double[] values)
    {
        if (name != "lr")
        {
            _initialValues[name] = values;
            return;
        }
        var groups = Optimizer.ParamGroups.ToList();
        for (var i = 0; i < groups.Count; i++) groups[i].InitialLearningRate = values[i];
    }

    private ParamGroupAccess Groups => _groups ??= new ParamGroupAccess(Optimizer);

    /// <summary>Whether this iteration ends an accumulation group (MMEngine's <c>should_update</c>).</summary>
    public bool ShouldUpdate() => EndsGroup(_innerCount);

    /// <summary>Whether the backward pass numbered <paramref name="count"/> ends an accumulation group, or the run.</summary>
    private bool EndsGroup(int count) => count % AccumulativeCounts == 0 || count == _maxCounts;

    private Tensor ScaleLoss(Tensor loss)
    {
        // The last, incomplete group of the run is divided by its own size, not by accumulative_counts.
        var factor = _maxCounts == -1 || _innerCount < _maxCounts - _remainderCounts ? AccumulativeCounts : _remainderCounts;
        return loss / factor;
    }

    /// <summary>Adds this wrapper's state to a checkpoint, under <paramref name="key"/> (the optimizer's state as bytes).</summary>
    public virtual void SaveState(Checkpoints.Checkpoint checkpoint, string key)
    {
        checkpoint.Tensors[key] = tensor(SaveOptimizerState());
        if (FlatBuffers) checkpoint.Tensors[key + FlatMarker] = tensor(1L);
    }

    /// <summary>Restores what <see cref="SaveState"/> stored, when the checkpoint has it.</summary>
    /// <exception cref="RunnerException">The state was saved with the other <c>flat_buffers</c> setting (its layout differs).</exception>
    public virtual void LoadState(Checkpoints.Checkpoint checkpoint, string key)
    {
        if (!checkpoint.Tensors.TryGetValue(key, out var state)) return;
        var savedFlat = checkpoint.Tensors.ContainsKey(key + FlatMarker);
        if (savedFlat != FlatBuffers)
            throw new RunnerException($"the checkpoint's optimizer state was saved with optim_wrapper.flat_buffers = {(savedFlat ? "true" : "false")}, and this run sets it " +
                $"{(FlatBuffers ? "true" : "false")}: the two lay the state out differently. Resume with the same setting, or start from the weights alone with load_from.");
        LoadOptimizerState(state.data<byte>().ToArray());
    }

    private const string FlatMarker = "/flat_buffers";

    /// <summary>The optimizer's state (TorchSharp's own format: options and per-parameter buffers).</summary>
    public virtual byte[] SaveOptimizerState()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
            ((OptimizerHelper)Optimizer).save_state_dict(writer);
        return stream.ToArray();
    }

    /// <summary>Restores the optimizer's state from <c>SaveOptimizerState</c>'s bytes.</summary>
    public virtual void LoadOptimizerState(byte[] state)
    {
        using var reader = new BinaryReader(new MemoryStream(state));
        // TorchSharp's state begins with the optimizer's type name, which its reader puts, whatever it read, into its
        // error: it is checked here first, so the bytes of a foreign or crafted state never reach a message.
        var expected = Optimizer.GetType().Name;
        var length = state.Length > 0 ? state[0] : -1;
        if (length != expected.Length || state.Length < 1 + length || System.Text.Encoding.UTF8.GetString(state, 1, length) != expected)
            throw new InvalidDataException($"it is not the state of a {expected} optimizer.");
        ((OptimizerHelper)Optimizer).load_state_dict(reader);
    }
}
