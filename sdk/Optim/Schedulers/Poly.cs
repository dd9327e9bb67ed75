using System.ComponentModel.DataAnnotations;
using Runner.Sdk.Registries;

namespace Runner.Sdk.Optim.Schedulers;

/// <summary>Polynomial decay to <c>eta_min</c> over the window (MMEngine's <c>PolyParamScheduler</c>).</summary>
[Register]
internal class PolyParamScheduler(OptimWrapper optimWrapper, string paramName, double etaMin = 0, double power = 1.0, int begin = 0, int? end = null, bool byEpoch = true, bool convertToIterBased = false)
    : ParamScheduler(optimWrapper, paramName, begin, end, byEpoch, convertToIterBased)
{
    public double EtaMin { get; } = etaMin;

    public double Power { get; } = power;

    protected override double NextValue(int group, double current, double baseValue, int k) =>
        k == 0 ? current : (current - EtaMin) * Math.Pow(1 - 1.0 / (TotalIters - k + 1), Power) + EtaMin;
}

/// <summary>Polynomial decay of the learning rate (MMEngine's <c>PolyLR</c>).</summary>
[Register]
internal sealed class PolyLR(OptimWrapper optimWrapper, double etaMin = 0, [Range(0.0, double.MaxValue)] double power = 1.0, int begin = 0, int? end = null, bool byEpoch = true, bool convertToIterBased = false)
    : PolyParamScheduler(optimWrapper, "lr", etaMin, power, begin, end, byEpoch, convertToIterBased);

/// <summary>Polynomial decay of the momentum (MMEngine's <c>PolyMomentum</c>).</summary>
[Register]
internal sealed class PolyMomentum(OptimWrapper optimWrapper, double etaMin = 0, [Range(0.0, double.MaxValue)] double power = 1.0, int begin = 0, int? end = null, bool byEpoch = true, bool convertToIterBased = false)
    : PolyParamScheduler(optimWrapper, "momentum", etaMin, power, begin, end, byEpoch, convertToIterBased);
