namespace Runner.Sdk.Optim.Schedulers;

using Runner.Sdk.Registries;

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
