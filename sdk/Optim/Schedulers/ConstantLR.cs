namespace Runner.Sdk.Optim.Schedulers;

using Runner.Sdk.Registries;

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
