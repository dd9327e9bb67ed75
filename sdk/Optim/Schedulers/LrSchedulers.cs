namespace Runner.Sdk.Optim.Schedulers;

using Runner.Sdk.Registries;

/// <summary>Multiplies the learning rate by <c>gamma</c> at each milestone (MMEngine's <c>MultiStepLR</c>).</summary>
[Register]
public sealed class MultiStepLR(OptimWrapper optimWrapper, int[] milestones, double gamma = 0.1, int begin = 0, int? end = null,
    bool byEpoch = true, bool convertToIterBased = false, string paramName = "lr")
    : ParamScheduler(optimWrapper, paramName, begin, end, byEpoch, convertToIterBased)
{
    public int[] Milestones { get; private set; } = milestones;

    public double Gamma { get; } = gamma;

    protected override double NextValue(double current, double baseValue, int k)
    {
        var hits = Milestones.Count(m => m == k);
        return hits == 0 ? current : current * Math.Pow(Gamma, hits);
    }

    protected override void ScalePeriods(int epochLength) => Milestones = Milestones.Select(m => m * epochLength).ToArray();
}

/// <summary>Multiplies the learning rate by <c>gamma</c> every <c>step_size</c> steps (MMEngine's <c>StepLR</c>).</summary>
[Register]
public sealed class StepLR(OptimWrapper optimWrapper, int stepSize, double gamma = 0.1, int begin = 0, int? end = null,
    bool byEpoch = true, bool convertToIterBased = false, string paramName = "lr")
    : ParamScheduler(optimWrapper, paramName, begin, end, byEpoch, convertToIterBased)
{
    public int StepSize { get; private set; } = stepSize > 0 ? stepSize : throw new ArgumentException($"step_size must be positive, got {stepSize}.");

    public double Gamma { get; } = gamma;

    protected override double NextValue(double current, double baseValue, int k) =>
        k == 0 || k % StepSize != 0 ? current : current * Gamma;

    protected override void ScalePeriods(int epochLength) => StepSize *= epochLength;
}

/// <summary>Multiplies the learning rate by <c>gamma</c> every step (MMEngine's <c>ExponentialLR</c>).</summary>
[Register]
public sealed class ExponentialLR(OptimWrapper optimWrapper, double gamma, int begin = 0, int? end = null,
    bool byEpoch = true, bool convertToIterBased = false, string paramName = "lr")
    : ParamScheduler(optimWrapper, paramName, begin, end, byEpoch, convertToIterBased)
{
    public double Gamma { get; } = gamma;

    protected override double NextValue(double current, double baseValue, int k) => k == 0 ? current : current * Gamma;
}

/// <summary>Scales the learning rate by <c>factor</c> until the end of the window (MMEngine's <c>ConstantLR</c>).</summary>
[Register]
public sealed class ConstantLR(OptimWrapper optimWrapper, double factor = 1.0 / 3, int begin = 0, int? end = null,
    bool byEpoch = true, bool convertToIterBased = false, string paramName = "lr")
    : ParamScheduler(optimWrapper, paramName, begin, end, byEpoch, convertToIterBased)
{
    public double Factor { get; } = factor is > 0 and <= 1 ? factor : throw new ArgumentException($"factor must be in (0, 1], got {factor}.");

    protected override double NextValue(double current, double baseValue, int k) =>
        k == 0 ? current * Factor : k == TotalIters ? current / Factor : current;
}

/// <summary>Scales the learning rate linearly from <c>start_factor</c> to <c>end_factor</c> over the window (MMEngine's <c>LinearLR</c>, the usual warm-up).</summary>
[Register]
public sealed class LinearLR(OptimWrapper optimWrapper, double startFactor = 1.0 / 3, double endFactor = 1.0, int begin = 0, int? end = null,
    bool byEpoch = true, bool convertToIterBased = false, string paramName = "lr")
    : ParamScheduler(optimWrapper, paramName, begin, end, byEpoch, convertToIterBased)
{
    public double StartFactor { get; } = startFactor is > 0 and <= 1 ? startFactor : throw new ArgumentException($"start_factor must be in (0, 1], got {startFactor}.");

    public double EndFactor { get; } = endFactor is >= 0 and <= 1 ? endFactor : throw new ArgumentException($"end_factor must be in [0, 1], got {endFactor}.");

    protected override double NextValue(double current, double baseValue, int k)
    {
        if (k == 0) return current * StartFactor;
        if (k > TotalIters) return current;
        var delta = EndFactor - StartFactor;
        return current * (1 + delta / (TotalIters * StartFactor + (k - 1) * delta));
    }
}

/// <summary>Cosine annealing from the base learning rate to <c>eta_min</c> over <c>T_max</c> steps (MMEngine's <c>CosineAnnealingLR</c>).</summary>
[Register]
public sealed class CosineAnnealingLR(OptimWrapper optimWrapper, int? tMax = null, double etaMin = 0, int begin = 0, int? end = null,
    bool byEpoch = true, bool convertToIterBased = false, string paramName = "lr")
    : ParamScheduler(optimWrapper, paramName, begin, end, byEpoch, convertToIterBased)
{
    private int? _tMax = tMax is null or > 0 ? tMax : throw new ArgumentException($"T_max must be positive, got {tMax}.");

    public double EtaMin { get; } = etaMin;

    /// <summary>The period; defaults to the window length.</summary>
    public int TMax => _tMax ?? End - Begin;

    protected override void ScalePeriods(int epochLength) => _tMax *= epochLength;

    protected override double NextValue(double current, double baseValue, int k)
    {
        double t = TMax;
        if (k == 0) return current;
        if ((k - 1 - t) % (2 * t) == 0) return current + (baseValue - EtaMin) * (1 - Math.Cos(Math.PI / t)) / 2;
        return (1 + Math.Cos(Math.PI * k / t)) / (1 + Math.Cos(Math.PI * (k - 1) / t)) * (current - EtaMin) + EtaMin;
    }
}
