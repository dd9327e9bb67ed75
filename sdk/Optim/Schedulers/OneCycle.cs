using Runner.Sdk.Registries;

namespace Runner.Sdk.Optim.Schedulers;

/// <summary>
/// The 1cycle policy (MMEngine's <c>OneCycleParamScheduler</c>): from <c>eta_max / div_factor</c> up to
/// <c>eta_max</c> over the first <c>pct_start</c> of <c>total_steps</c>, then down to
/// <c>eta_max / div_factor / final_div_factor</c> (with <c>three_phase</c>, back to the start first). Not chainable;
/// learning rate only.
/// </summary>
[Register]
internal class OneCycleParamScheduler : ParamScheduler
{
    private readonly double _etaMax;

    /// <param name="etaMax">The peak value.</param>
    /// <param name="totalSteps">Steps in the cycle; default: the window length.</param>
    /// <param name="pctStart">The fraction of the cycle spent rising.</param>
    /// <param name="annealStrategy">"cos" or "linear".</param>
    /// <param name="divFactor">The start value is eta_max / div_factor.</param>
    /// <param name="finalDivFactor">The final value is the start value / final_div_factor.</param>
    /// <param name="threePhase">Rise, fall back to the start, then anneal to the final value.</param>
    public OneCycleParamScheduler(OptimWrapper optimWrapper, string paramName, double etaMax, int? totalSteps = null, double pctStart = 0.3,
        string annealStrategy = "cos", double divFactor = 25, double finalDivFactor = 1e4, bool threePhase = false, int begin = 0, int? end = null, bool byEpoch = true, bool convertToIterBased = false)
        : base(optimWrapper, paramName, begin, end, byEpoch, convertToIterBased)
    {
        if (paramName != "lr") throw new ArgumentException($"OneCycle only schedules the learning rate, got param_name \"{paramName}\".");
        if (totalSteps is <= 0) throw new ArgumentException($"total_steps must be positive, got {totalSteps}.");
        if (pctStart is < 0 or > 1) throw new ArgumentException($"pct_start must be between 0 and 1, got {pctStart}.");
        if (annealStrategy is not ("cos" or "linear")) throw new ArgumentException($"anneal_strategy must be \"cos\" or \"linear\", got \"{annealStrategy}\".");
        _etaMax = etaMax;
        TotalStepsOption = totalSteps;
        PctStart = pctStart;
        AnnealStrategy = annealStrategy;
        DivFactor = divFactor;
        FinalDivFactor = finalDivFactor;
        ThreePhase = threePhase;
    }

    private int? TotalStepsOption { get; set; }

    /// <summary>Steps in the cycle.</summary>
    public int TotalSteps => TotalStepsOption ?? End - Begin;

    public double PctStart { get; }

    public string AnnealStrategy { get; }

    public double DivFactor { get; }

    public double FinalDivFactor { get; }

    public bool ThreePhase { get; }

    private double Initial => _etaMax / DivFactor;

    private double Minimum => Initial / FinalDivFactor;

    protected override void ScalePeriods(int epochLength) => TotalStepsOption *= epochLength;

    protected override void Initialize() =>
        OptimWrapper.SetInitialValues(ParamName, Enumerable.Repeat(Initial, OptimWrapper.ParamGroupCount).ToArray());

    protected override double NextValue(int group, double current, double baseValue, int k)
    {
        if (k > TotalSteps) throw new InvalidOperationException($"Tried to step {k + 1} times. The specified number of total steps is {TotalSteps}.");
        // Phase values: 0 = initial, 1 = max, 2 = min.
        (double EndStep, int From, int To)[] phases = ThreePhase
            ? [(PctStart * TotalSteps - 1, 0, 1), (2 * PctStart * TotalSteps - 2, 1, 0), (TotalSteps - 1, 0, 2)]
            : [(PctStart * TotalSteps - 1, 0, 1), (TotalSteps - 1, 1, 2)];
        double[] values = [Initial, _etaMax, Minimum];
        double start = 0;
        for (var i = 0; i < phases.Length; i++)
        {
            var (endStep, from, to) = phases[i];
            if (k <= endStep || i == phases.Length - 1)
            {
                var pct = (k - start) / (endStep - start);
                return AnnealStrategy == "cos"
                    ? values[to] + (values[from] - values[to]) / 2.0 * (Math.Cos(Math.PI * pct) + 1)
                    : (values[to] - values[from]) * pct + values[from];
            }
            start = endStep;
        }
        return current;
    }
}

/// <summary>The 1cycle learning-rate policy (MMEngine's <c>OneCycleLR</c>).</summary>
[Register]
internal sealed class OneCycleLR(OptimWrapper optimWrapper, double etaMax, int? totalSteps = null, double pctStart = 0.3, string annealStrategy = "cos",
    double divFactor = 25, double finalDivFactor = 1e4, bool threePhase = false, int begin = 0, int? end = null, bool byEpoch = true, bool convertToIterBased = false)
    : OneCycleParamScheduler(optimWrapper, "lr", etaMax, totalSteps, pctStart, annealStrategy, divFactor, finalDivFactor, threePhase, begin, end, byEpoch, convertToIterBased);
