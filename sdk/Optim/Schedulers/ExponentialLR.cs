namespace Runner.Sdk.Optim.Schedulers;

using Runner.Sdk.Registries;

/// <summary>Multiplies the learning rate by <c>gamma</c> every step (MMEngine's <c>ExponentialLR</c>).</summary>
[Register]
public sealed class ExponentialLR(OptimWrapper optimWrapper, double gamma, int begin = 0, int? end = null,
    bool byEpoch = true, bool convertToIterBased = false, string paramName = "lr")
    : ParamScheduler(optimWrapper, paramName, begin, end, byEpoch, convertToIterBased)
{
    public double Gamma { get; } = gamma;

    protected override double NextValue(double current, double baseValue, int k) => k == 0 ? current : current * Gamma;
}
