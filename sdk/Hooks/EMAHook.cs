using Runner.Sdk.Checkpoints;
using Runner.Sdk.Data;
using Runner.Sdk.Registries;
using Runner.Sdk.Running;
using static TorchSharp.torch;

namespace Runner.Sdk.Hooks;

/// <summary>
/// Keeps an exponential moving average of the model's weights (MMEngine's <c>EMAHook</c> with
/// <c>ExponentialMovingAverage</c>): <c>ema = (1 - momentum) · ema + momentum · weight</c> every <c>interval</c>
/// iterations once <c>begin_epoch</c> / <c>begin_iter</c> is reached (a plain copy before). Validation and testing
/// use the averaged weights; checkpoints store them as the model's weights, with the trained weights and the step
/// count beside them, so a resume continues both.
/// </summary>
[Register]
internal sealed class EMAHook : Hook
{
    private List<(string Name, Tensor Source, Tensor Average)> _pairs = [];
    private long _steps;

    /// <param name="momentum">The weight of the new value in each update.</param>
    /// <param name="interval">Update every this many iterations.</param>
    /// <param name="beginIter">Start averaging at this iteration (copy before).</param>
    /// <param name="beginEpoch">Start averaging at this epoch (copy before).</param>
    /// <param name="updateBuffers">Average the buffers (batch-norm statistics) too, not only the parameters.</param>
    /// <param name="strictLoad">Fail, rather than warn, when a checkpoint has no averaged weights to resume.</param>
    public EMAHook(double momentum = 0.0002, int interval = 1, int beginIter = 0, int beginEpoch = 0, bool updateBuffers = false, bool strictLoad = false)
    {
        if (momentum is <= 0 or >= 1) throw new ArgumentException($"momentum must be between 0 and 1, got {momentum}.");
        if (interval < 1) throw new ArgumentException($"interval must be at least 1, got {interval}.");
        if (beginIter < 0 || beginEpoch < 0) throw new ArgumentException("begin_iter and begin_epoch must not be negative.");
        if (beginIter > 0 && beginEpoch > 0) throw new ArgumentException("give begin_iter or begin_epoch, not both.");
        Momentum = momentum;
        Interval = interval;
        BeginIter = beginIter;
        BeginEpoch = beginEpoch;
        UpdateBuffers = updateBuffers;
        StrictLoad = strictLoad;
    }

    public double Momentum { get; }

    public int Interval { get; }

    public int BeginIter { get; }

    public int BeginEpoch { get; }

    public bool UpdateBuffers { get; }

    public bool StrictLoad { get; }

    protected override Priority DefaultPriority => Priority.Normal;

    public override void BeforeRun(TrainingRunner runner)
    {
        var sources = runner.Model.named_parameters().Select(p => (p.name, (Tensor)p.parameter));
        if (UpdateBuffers) sources = sources.Concat(runner.Model.named_buffers().Select(b => (b.name, b.buffer)));
        _pairs = sources.Select(s => (s.Item1, s.Item2, s.Item2.detach().clone().DetachFromDisposeScope())).ToList();
    }

    public override void BeforeTrain(TrainingRunner runner)
    {
        if (BeginEpoch > runner.MaxEpochs || BeginIter > runner.MaxIters)
            throw new RunnerException($"EMAHook: begin_epoch ({BeginEpoch}) / begin_iter ({BeginIter}) lie beyond the run ({runner.MaxEpochs} epochs, {runner.MaxIters} iterations).");
    }

    public override void AfterTrainIter(TrainingRunner runner, int batchIdx, DataBatch dataBatch, IReadOnlyDictionary<string, double> outputs)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var started = runner.Iter + 1 >= BeginIter && runner.Epoch + 1 >= BeginEpoch;
        foreach (var (_, source, average) in _pairs)
        {
            if (!started || _steps == 0) average.copy_(source);
            else if (_steps % Interval == 0 && average.is_floating_point()) average.mul_(1 - Momentum).add_(source, alpha: Momentum);
        }
        if (started) _steps++;
    }

    protected override void BeforeEpoch(TrainingRunner runner, Mode mode)
    {
        if (mode != Mode.Train) Swap();
    }

    protected override void AfterEpoch(TrainingRunner runner, Mode mode)
    {
        if (mode != Mode.Train) Swap();
    }

    /// <summary>Saves the averaged weights as the model's, and the trained ones (and the step count) beside them.</summary>
    public override void BeforeSaveCheckpoint(TrainingRunner runner, Checkpoint checkpoint)
    {
        foreach (var (name, _, average) in _pairs)
        {
            if (!checkpoint.StateDict.TryGetValue(name, out var trained)) continue;
            checkpoint.Tensors[$"ema/{name}"] = trained;
            checkpoint.StateDict[name] = average.detach();
        }
        checkpoint.State["ema_steps"] = _steps;
    }

    /// <summary>On resume, puts the trained weights back as the model's and restores the average.</summary>
    public override void AfterLoadCheckpoint(TrainingRunner runner, Checkpoint checkpoint)
    {
        if (!checkpoint.State.ContainsKey("ema_steps"))
        {
            if (StrictLoad) throw new RunnerException("EMAHook: the checkpoint has no averaged weights (ema_state).");
            runner.Logger.Warn("There is no EMA state in the checkpoint: the average starts from the loaded weights.");
            return;
        }
        using var _ = no_grad();
        foreach (var (name, _, average) in _pairs)
        {
            if (!checkpoint.Tensors.Remove($"ema/{name}", out var trained) || !checkpoint.StateDict.TryGetValue(name, out var averaged)) continue;
            average.copy_(averaged);
            checkpoint.StateDict[name] = trained;
            averaged.Dispose();
        }
        _steps = Convert.ToInt64(checkpoint.State["ema_steps"], System.Globalization.CultureInfo.InvariantCulture);
    }

    private void Swap()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var (_, source, average) in _pairs)
        {
            var trained = source.clone();
            source.copy_(average);
            average.copy_(trained);
        }
    }
}
