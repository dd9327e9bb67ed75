using Runner.Sdk.Registries;

namespace Runner.Sdk.Optim.Schedulers;

/// <summary>Scales the value linearly from <c>start_factor</c> to <c>end_factor</c> over the window (MMEngine's <c>LinearParamScheduler</c>; the usual warm-up).</summary>
[Register]
internal class LinearParamScheduler(OptimWrapper optimWrapper, string paramName, double startFactor = 1.0 / 3, double endFactor = 1.0, int begin = 0, int? end = null, bool byEpoch = true, bool convertToIterBased = false)
    : ParamScheduler(optimWrapper, paramName, begin, end, byEpoch, convertToIterBased)
{
    public double StartFactor { get; } = startFactor is > 0 and <= 1 ? startFactor : throw new ArgumentException($"start_factor must be in (0, 1], got {startFactor}.");

    public double EndFactor { get; } = endFactor is >= 0 and <= 1 ? endFactor : throw new ArgumentException($"end_factor must be in [0, 1], got {endFactor}.");

    protected override double NextValue(int group, double current, double baseValue, int k)
    {
        if (k == 0) return current * StartFactor;
        if (k > TotalIters) return current;
        var delta = EndFactor - StartFactor;
        return current * (1 + delta / (TotalIters * StartFactor + (k - 1) * delta));
    }
}

/// <summary>Linear warm-up (or decay) of the learning rate (MMEngine's <c>LinearLR</c>).</summary>
[Register]
internal sealed class LinearLR(OptimWrapper optimWrapper, double startFactor = 1.0 / 3, double endFactor = 1.0, int begin = 0, int? end = null, bool byEpoch = true, bool convertToIterBased = false)
    : LinearParamScheduler(optimWrapper, "lr", startFactor, endFactor, begin, end, byEpoch, convertToIterBased);

/// <summary>Linear change of the momentum (MMEngine's <c>LinearMomentum</c>).</summary>
[Register]
internal sealed class LinearMomentum(OptimWrapper optimWrapper, double startFactor = 1.0 / 3, double endFactor = 1.0, int begin = 0, int? end = null, bool byEpoch = true, bool convertToIterBased = false)
    : LinearParamScheduler(optimWrapper, "momentum", startFactor, endFactor, begin, end, byEpoch, convertToIterBased);
