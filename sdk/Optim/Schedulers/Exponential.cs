using System.ComponentModel.DataAnnotations;
using Runner.Sdk.Registries;

namespace Runner.Sdk.Optim.Schedulers;

/// <summary>Multiplies the value by <c>gamma</c> every step (MMEngine's <c>ExponentialParamScheduler</c>).</summary>
[Register]
internal class ExponentialParamScheduler(OptimWrapper optimWrapper, string paramName, double gamma, int begin = 0, int? end = null, bool byEpoch = true, bool convertToIterBased = false)
    : ParamScheduler(optimWrapper, paramName, begin, end, byEpoch, convertToIterBased)
{
    public double Gamma { get; } = gamma;

    protected override double NextValue(int group, double current, double baseValue, int k) => k == 0 ? current : current * Gamma;
}

/// <summary>The learning rate times <c>gamma</c> every step (MMEngine's <c>ExponentialLR</c>).</summary>
[Register]
internal sealed class ExponentialLR(OptimWrapper optimWrapper, [Range(0.0, double.MaxValue, MinimumIsExclusive = true)] double gamma, int begin = 0, int? end = null, bool byEpoch = true, bool convertToIterBased = false)
    : ExponentialParamScheduler(optimWrapper, "lr", gamma, begin, end, byEpoch, convertToIterBased);

/// <summary>The momentum times <c>gamma</c> every step (MMEngine's <c>ExponentialMomentum</c>).</summary>
[Register]
internal sealed class ExponentialMomentum(OptimWrapper optimWrapper, [Range(0.0, double.MaxValue, MinimumIsExclusive = true)] double gamma, int begin = 0, int? end = null, bool byEpoch = true, bool convertToIterBased = false)
    : ExponentialParamScheduler(optimWrapper, "momentum", gamma, begin, end, byEpoch, convertToIterBased);
