using Runner.Sdk.Registries;

namespace Runner.Sdk.Optim.Schedulers;

/// <summary>Cosine annealing with restarts: each period anneals from <c>base × restart_weight</c> to <c>eta_min</c> (MMEngine's <c>CosineRestartParamScheduler</c>).</summary>
[Register]
internal class CosineRestartParamScheduler : ParamScheduler
{
    private readonly double? _etaMin;
    private readonly double? _etaMinRatio;

    /// <param name="periods">The length of each cycle.</param>
    /// <param name="restartWeights">The weight of the base value at each restart (one per period).</param>
    /// <param name="etaMin">The lowest value; give this or <c>eta_min_ratio</c>.</param>
    /// <param name="etaMinRatio">The lowest value as a fraction of the base value.</param>
    public CosineRestartParamScheduler(OptimWrapper optimWrapper, string paramName, int[] periods, double[]? restartWeights = null,
        double? etaMin = null, double? etaMinRatio = null, int begin = 0, int? end = null, bool byEpoch = true, bool convertToIterBased = false)
        : base(optimWrapper, paramName, begin, end, byEpoch, convertToIterBased)
    {
        restartWeights ??= [1.0];
        if ((etaMin is null) == (etaMinRatio is null)) throw new ArgumentException("give exactly one of eta_min and eta_min_ratio.");
        if (periods.Length == 0 || periods.Any(p => p <= 0)) throw new ArgumentException("periods must list positive lengths.");
        if (periods.Length != restartWeights.Length) throw new ArgumentException("periods and restart_weights should have the same length.");
        Periods = periods;
        RestartWeights = restartWeights;
        _etaMin = etaMin;
        _etaMinRatio = etaMinRatio;
    }

    public int[] Periods { get; private set; }

    public double[] RestartWeights { get; }

    protected override void ScalePeriods(int epochLength) => Periods = Periods.Select(p => p * epochLength).ToArray();

    protected override double NextValue(int group, double current, double baseValue, int k)
    {
        var cumulative = 0;
        for (var i = 0; i < Periods.Length; i++)
        {
            if (k >= cumulative + Periods[i])
            {
                cumulative += Periods[i];
                continue;
            }
            var step = k - cumulative;
            var etaMax = baseValue * RestartWeights[i];
            var etaMin = _etaMinRatio is { } ratio ? baseValue * ratio : _etaMin!.Value;
            if (step == 0) return etaMax;
            return (1 + Math.Cos(Math.PI * step / Periods[i])) / (1 + Math.Cos(Math.PI * (step - 1) / Periods[i])) * (current - etaMin) + etaMin;
        }
        return current;
    }
}

/// <summary>Cosine annealing of the learning rate with restarts (MMEngine's <c>CosineRestartLR</c>).</summary>
[Register]
internal sealed class CosineRestartLR(OptimWrapper optimWrapper, int[] periods, double[]? restartWeights = null, double? etaMin = null, double? etaMinRatio = null, int begin = 0, int? end = null, bool byEpoch = true, bool convertToIterBased = false)
    : CosineRestartParamScheduler(optimWrapper, "lr", periods, restartWeights, etaMin, etaMinRatio, begin, end, byEpoch, convertToIterBased);

/// <summary>Cosine annealing of the momentum with restarts (MMEngine's <c>CosineRestartMomentum</c>).</summary>
[Register]
internal sealed class CosineRestartMomentum(OptimWrapper optimWrapper, int[] periods, double[]? restartWeights = null, double? etaMin = null, double? etaMinRatio = null, int begin = 0, int? end = null, bool byEpoch = true, bool convertToIterBased = false)
    : CosineRestartParamScheduler(optimWrapper, "momentum", periods, restartWeights, etaMin, etaMinRatio, begin, end, byEpoch, convertToIterBased);
