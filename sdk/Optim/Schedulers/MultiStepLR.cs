namespace Runner.Sdk.Optim.Schedulers;

using Runner.Sdk.Registries;

/// <summary>Multiplies the learning rate by <c>gamma</c> at each milestone (MMEngine's <c>MultiStepLR</c>).</summary>
[Register]
public sealed class MultiStepLR(OptimWrapper optimWrapper, int[] milestones, double gamma = 0.1, int begin = 0, int? end = null,
    bool byEpoch = true, bool convertToIterBased = false, string paramName = "lr")
    : ParamScheduler(optimWrapper, paramName, begin, end, byEpoch, convertToIterBased)
{
    public int[] Milestones { get; private set; } = milestones;

    public double Gamma { get; } = gamma;

    protected override double NextValue(double current, double baseValue, int k)
    {
        var hits = Milestones.Count(m => m == k);
        return hits == 0 ? current : current * Math.Pow(Gamma, hits);
    }

    protected override void ScalePeriods(int epochLength) => Milestones = Milestones.Select(m => m * epochLength).ToArray();
}
