using Runner.Sdk.Registries;
using Runner.Sdk.Storage;

namespace Runner.Sdk.Optim.Schedulers;

/// <summary>
/// The base of MMEngine's parameter schedulers, in their chainable form: each step computes a parameter group's
/// new value from its current one, so several schedulers on one optimizer compose by multiplication, each only
/// inside its <c>[begin, end)</c> window. Steps count epochs (<c>by_epoch</c>) or iterations; the runner's
/// <c>ParamSchedulerHook</c> steps them. Each schedule comes in three forms, as in MMEngine: a generic one
/// (<c>MultiStepParamScheduler</c>, with <c>param_name</c>), one for the learning rate (<c>MultiStepLR</c>) and one
/// for the momentum (<c>MultiStepMomentum</c>).
/// </summary>
/// <remarks>
/// Differences from MMEngine, on purpose: a default <c>end</c> (the run's length) is not frozen into the saved state
/// but follows the run being resumed; and only the counters are restored from a checkpoint, so a changed option
/// (milestones, gamma…) in the config takes effect instead of being silently overwritten.
/// </remarks>
[ComponentKind("param scheduler", 12)]
public abstract class ParamScheduler
{
    /// <summary>MMEngine's INF for an open-ended window.</summary>
    public const int Infinity = 1_000_000_000;

    private bool _prepared;

    /// <param name="optimWrapper">The optimizer wrapper whose parameter groups are scheduled (given by the runner).</param>
    /// <param name="paramName">The scheduled option: <c>lr</c>, <c>momentum</c>, or any option of the optimizer (<c>weight_decay</c>…).</param>
    /// <param name="begin">The first step at which the scheduler acts.</param>
    /// <param name="end">The step at which it stops; default: the run's length (max_epochs or max_iters).</param>
    /// <param name="byEpoch">Count epochs (true) or iterations (false).</param>
    /// <param name="convertToIterBased">Given in epochs, but applied per iteration (begin, end and the periods scaled by the epoch length).</param>
    protected ParamScheduler(OptimWrapper optimWrapper, string paramName, int begin, int? end, bool byEpoch, bool convertToIterBased)
    {
        if (begin < 0) throw new ArgumentException($"begin must not be negative, got {begin}.");
        if (end is { } e && e <= begin) throw new ArgumentException($"end should be larger than begin, but got begin={begin}, end={e}.");
        if (convertToIterBased && !byEpoch) throw new ArgumentException("convert_to_iter_based needs by_epoch = true.");
        OptimWrapper = optimWrapper;
        ParamName = paramName;
        Begin = begin;
        End = end ?? Infinity;
        EndIsDefault = end is null;
        ByEpoch = byEpoch;
        ConvertToIterBased = convertToIterBased;
        _ = optimWrapper.GetParam(0, paramName); // fails now, with the optimizer's name, if it has no such option
        BaseValues = [];
    }

    /// <summary>The optimizer wrapper whose option is scheduled.</summary>
    public OptimWrapper OptimWrapper { get; }

    /// <summary>The scheduled option (<c>lr</c>, <c>momentum</c>…).</summary>
    public string ParamName { get; }

    /// <summary>The first epoch or iteration the schedule acts on.</summary>
    public int Begin { get; private set; }

    /// <summary>The epoch or iteration the schedule stops at (exclusive).</summary>
    public int End { get; private set; }

    /// <summary>Whether <see cref="End"/> was left to the run's length.</summary>
    public bool EndIsDefault { get; }

    /// <summary>Whether <see cref="Begin"/> and <see cref="End"/> count epochs (else iterations).</summary>
    public bool ByEpoch { get; private set; }

    /// <summary>Whether an epoch-based schedule is stepped every iteration, its bounds scaled by the epoch length (MMEngine's <c>convert_to_iter_based</c>).</summary>
    public bool ConvertToIterBased { get; }

    /// <summary>Steps taken so far, counting the initial one (-1 before <see cref="Prepare"/>).</summary>
    public int GlobalStep { get; private set; } = -1;

    /// <summary>Steps taken inside the window (MMEngine's <c>last_step</c>).</summary>
    public int LastStep { get; private set; } = -1;

    /// <summary>Each group's value when scheduling started.</summary>
    public double[] BaseValues { get; private set; }

    /// <summary>
    /// Called by the runner once the train loop exists: converts epoch counts to iterations when asked, fills in a
    /// default end, and takes the initial step (so a scheduler starting at 0 applies its first value at once).
    /// </summary>
    public void Prepare(int epochLength, int runLength)
    {
        if (_prepared) return;
        _prepared = true;
        if (ConvertToIterBased)
        {
            if (epochLength < 1)
                throw new ArgumentException($"{GetType().Name}: convert_to_iter_based needs a train dataloader with at least one batch per epoch, and it has {epochLength}.");
            Begin *= epochLength;
            if (!EndIsDefault && End != Infinity) End *= epochLength;
            ScalePeriods(epochLength);
            ByEpoch = false;
        }
        if (EndIsDefault) End = runLength;
        // A written end before the begin is a mistake; a begin at or after the run's end (a run shortened for a quick
        // try, a fast dev run) leaves nothing to schedule: the scheduler stays inert, as MMEngine's does, and the
        // runner says so.
        if (End <= Begin && !EndIsDefault) throw new ArgumentException($"{GetType().Name}: end ({End}) must be larger than begin ({Begin}).");
        if (End > Begin) Initialize();
        BaseValues = OptimWrapper.InitialValues(ParamName);
        Step();
    }

    /// <summary>Advances one epoch or iteration and updates the parameter groups inside the window.</summary>
    public void Step()
    {
        StepCount();
    }

    /// <summary>Advances the counters and, inside the window, applies <see cref="NextValue"/>.</summary>
    private void StepCount()
    {
        GlobalStep++;
        if (GlobalStep < Begin || GlobalStep >= End) return;
        LastStep++;
        for (var i = 0; i < OptimWrapper.ParamGroupCount; i++)
            OptimWrapper.SetParam(i, ParamName, NextValue(i, OptimWrapper.GetParam(i, ParamName), BaseValues[i], LastStep));
    }

    /// <summary>Called once before the first step, after the window is final (OneCycle sets its initial values here).</summary>
    protected virtual void Initialize() { }

    /// <summary>The new value of group <paramref name="group"/> at window step <paramref name="k"/>, from its current value (chainable form).</summary>
    protected abstract double NextValue(int group, double current, double baseValue, int k);

    /// <summary>Multiplies the scheduler's own periods (milestones, step size…) by the epoch length.</summary>
    protected virtual void ScalePeriods(int epochLength) { }

    /// <summary>The window length minus one (MMEngine's <c>total_iters</c> for Linear and Constant).</summary>
    protected int TotalIters => End - Begin - 1;

    /// <summary>Whether the scheduler steps on validation metrics (after each val epoch) instead of on a count.</summary>
    public virtual bool NeedsValMetrics => false;

    /// <summary>Steps on validation metrics (ReduceOnPlateau); the others ignore them.</summary>
    public virtual void Step(IReadOnlyDictionary<string, double> metrics) => Step();

    /// <summary>The counters to checkpoint (plain data).</summary>
    public Dictionary<string, object> StateDict()
    {
        var state = new Dictionary<string, object>
        {
            ["type"] = GetType().Name,
            ["global_step"] = (long)GlobalStep,
            ["last_step"] = (long)LastStep,
            ["base_values"] = BaseValues.ToList(),
            ["end_in_effect"] = (long)End,
        };
        SaveExtraState(state);
        return state;
    }

    /// <summary>Adds a subclass's own counters to its state (ReduceOnPlateau's best value…).</summary>
    protected virtual void SaveExtraState(Dictionary<string, object> state) { }

    /// <summary>Restores what <see cref="SaveExtraState"/> added.</summary>
    protected virtual void LoadExtraState(IReadOnlyDictionary<string, object> state) { }

    /// <summary>Restores the schedule's position from a checkpoint (refusing another scheduler type's state).</summary>
    public void LoadStateDict(IReadOnlyDictionary<string, object> state)
    {
        if (state.TryGetValue("type", out var type) && (string)type != GetType().Name)
            throw new RunnerException($"The checkpoint holds the state of a {type}, but the config builds a {GetType().Name} here.");
        GlobalStep = Convert.ToInt32(state["global_step"]);
        LastStep = Convert.ToInt32(state["last_step"]);
        BaseValues = PlainData.ToDoubles(state["base_values"]);
        LoadExtraState(state);
        _prepared = true;
        // A run resumed with a longer length than it started with: steps the old default end cut off now lie inside the
        // window, so they are applied now, as if the longer run had been configured from the start.
        if (EndIsDefault && state.TryGetValue("end_in_effect", out var saved))
        {
            var oldEnd = Convert.ToInt32(saved, System.Globalization.CultureInfo.InvariantCulture);
            for (var step = Math.Max(oldEnd, Begin); step <= GlobalStep && step < End; step++)
            {
                LastStep++;
                for (var i = 0; i < OptimWrapper.ParamGroupCount; i++)
                    OptimWrapper.SetParam(i, ParamName, NextValue(i, OptimWrapper.GetParam(i, ParamName), BaseValues[i], LastStep));
            }
        }
    }
}
