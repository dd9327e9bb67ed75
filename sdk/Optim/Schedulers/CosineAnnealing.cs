using Runner.Sdk.Registries;

namespace Runner.Sdk.Optim.Schedulers;

/// <summary>Cosine annealing from the base value to <c>eta_min</c> over <c>T_max</c> steps (MMEngine's <c>CosineAnnealingParamScheduler</c>).</summary>
[Register]
internal class CosineAnnealingParamScheduler : ParamScheduler
{
    private int? _tMax;
    private readonly double? _etaMin;
    private readonly double? _etaMinRatio;

    /// <param name="tMax">The period; default: the window length.</param>
    /// <param name="etaMin">The lowest value (default 0); or give <c>eta_min_ratio</c>, a fraction of the base value.</param>
    public CosineAnnealingParamScheduler(OptimWrapper optimWrapper, string paramName, int? tMax = null, double? etaMin = null, double? etaMinRatio = null,
        int begin = 0, int? end = null, bool byEpoch = true, bool convertToIterBased = false)
        : base(optimWrapper, paramName, begin, end, byEpoch, convertToIterBased)
    {
        if (tMax is <= 0) throw new ArgumentException($"T_max must be positive, got {tMax}.");
        if (etaMin is not null && etaMinRatio is not null) throw new ArgumentException("give eta_min or eta_min_ratio, not both.");
        _tMax = tMax;
        _etaMin = etaMin;
        _etaMinRatio = etaMinRatio;
    }

    /// <summary>The period; defaults to the window length.</summary>
    public int TMax => _tMax ?? End - Begin;

    protected override void ScalePeriods(int epochLength) => _tMax *= epochLength;

    protected override double NextValue(int group, double current, double baseValue, int k)
    {
        double t = TMax;
        var etaMin = _etaMinRatio is { } ratio ? baseValue * ratio : _etaMin ?? 0;
        if (k == 0) return current;
        if ((k - 1 - t) % (2 * t) == 0) return current + (baseValue - etaMin) * (1 - Math.Cos(Math.PI / t)) / 2;
        return (1 + Math.Cos(Math.PI * k / t)) / (1 + Math.Cos(Math.PI * (k - 1) / t)) * (current - etaMin) + etaMin;
    }
}

/// <summary>Cosine annealing of the learning rate (MMEngine's <c>CosineAnnealingLR</c>).</summary>
[Register]
internal sealed class CosineAnnealingLR(OptimWrapper optimWrapper, int? tMax = null, double? etaMin = null, double? etaMinRatio = null, int begin = 0, int? end = null, bool byEpoch = true, bool convertToIterBased = false)
    : CosineAnnealingParamScheduler(optimWrapper, "lr", tMax, etaMin, etaMinRatio, begin, end, byEpoch, convertToIterBased);

/// <summary>Cosine annealing of the momentum (MMEngine's <c>CosineAnnealingMomentum</c>).</summary>
[Register]
internal sealed class CosineAnnealingMomentum(OptimWrapper optimWrapper, int? tMax = null, double? etaMin = null, double? etaMinRatio = null, int begin = 0, int? end = null, bool byEpoch = true, bool convertToIterBased = false)
    : CosineAnnealingParamScheduler(optimWrapper, "momentum", tMax, etaMin, etaMinRatio, begin, end, byEpoch, convertToIterBased);
