using System.ComponentModel.DataAnnotations;
using Runner.Sdk.Registries;

namespace Runner.Sdk.Optim.Schedulers;

/// <summary>Multiplies the value by <c>gamma</c> every <c>step_size</c> steps (MMEngine's <c>StepParamScheduler</c>).</summary>
[Register]
internal class StepParamScheduler(OptimWrapper optimWrapper, string paramName, int stepSize, double gamma = 0.1, int begin = 0, int? end = null, bool byEpoch = true, bool convertToIterBased = false)
    : ParamScheduler(optimWrapper, paramName, begin, end, byEpoch, convertToIterBased)
{
    public int StepSize { get; private set; } = stepSize > 0 ? stepSize : throw new ArgumentException($"step_size must be positive, got {stepSize}.");

    public double Gamma { get; } = gamma;

    protected override double NextValue(int group, double current, double baseValue, int k) =>
        k == 0 || k % StepSize != 0 ? current : current * Gamma;

    protected override void ScalePeriods(int epochLength) => StepSize *= epochLength;
}

/// <summary>The learning rate times <c>gamma</c> every <c>step_size</c> steps (MMEngine's <c>StepLR</c>).</summary>
[Register]
internal sealed class StepLR(OptimWrapper optimWrapper, int stepSize, [Range(0.0, double.MaxValue, MinimumIsExclusive = true)] double gamma = 0.1, int begin = 0, int? end = null, bool byEpoch = true, bool convertToIterBased = false)
    : StepParamScheduler(optimWrapper, "lr", stepSize, gamma, begin, end, byEpoch, convertToIterBased);

/// <summary>The momentum times <c>gamma</c> every <c>step_size</c> steps (MMEngine's <c>StepMomentum</c>).</summary>
[Register]
internal sealed class StepMomentum(OptimWrapper optimWrapper, int stepSize, [Range(0.0, double.MaxValue, MinimumIsExclusive = true)] double gamma = 0.1, int begin = 0, int? end = null, bool byEpoch = true, bool convertToIterBased = false)
    : StepParamScheduler(optimWrapper, "momentum", stepSize, gamma, begin, end, byEpoch, convertToIterBased);
