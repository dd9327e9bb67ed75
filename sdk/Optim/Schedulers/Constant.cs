using Runner.Sdk.Registries;

namespace Runner.Sdk.Optim.Schedulers;

/// <summary>Scales the value by <c>factor</c> until the end of the window (MMEngine's <c>ConstantParamScheduler</c>).</summary>
[Register]
internal class ConstantParamScheduler(OptimWrapper optimWrapper, string paramName, double factor = 1.0 / 3, int begin = 0, int? end = null, bool byEpoch = true, bool convertToIterBased = false)
    : ParamScheduler(optimWrapper, paramName, begin, end, byEpoch, convertToIterBased)
{
    public double Factor { get; } = factor is > 0 and <= 1 ? factor : throw new ArgumentException($"factor must be in (0, 1], got {factor}.");

    protected override double NextValue(int group, double current, double baseValue, int k) =>
        k == 0 ? current * Factor : k == TotalIters ? current / Factor : current;
}

/// <summary>The learning rate times <c>factor</c> until the end of the window (MMEngine's <c>ConstantLR</c>).</summary>
[Register]
internal sealed class ConstantLR(OptimWrapper optimWrapper, double factor = 1.0 / 3, int begin = 0, int? end = null, bool byEpoch = true, bool convertToIterBased = false)
    : ConstantParamScheduler(optimWrapper, "lr", factor, begin, end, byEpoch, convertToIterBased);

/// <summary>The momentum times <c>factor</c> until the end of the window (MMEngine's <c>ConstantMomentum</c>).</summary>
[Register]
internal sealed class ConstantMomentum(OptimWrapper optimWrapper, double factor = 1.0 / 3, int begin = 0, int? end = null, bool byEpoch = true, bool convertToIterBased = false)
    : ConstantParamScheduler(optimWrapper, "momentum", factor, begin, end, byEpoch, convertToIterBased);
