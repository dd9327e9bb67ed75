using System.ComponentModel.DataAnnotations;
using Runner.Sdk.Registries;

namespace Runner.Sdk.Optim.Schedulers;

/// <summary>Multiplies the value by <c>gamma</c> at each milestone (MMEngine's <c>MultiStepParamScheduler</c>).</summary>
[Register]
internal class MultiStepParamScheduler(OptimWrapper optimWrapper, string paramName, [Range(0, int.MaxValue)] int[] milestones, double gamma = 0.1, int begin = 0, int? end = null, bool byEpoch = true, bool convertToIterBased = false)
    : ParamScheduler(optimWrapper, paramName, begin, end, byEpoch, convertToIterBased)
{
    public int[] Milestones { get; private set; } = milestones;

    public double Gamma { get; } = gamma;

    protected override double NextValue(int group, double current, double baseValue, int k)
    {
        var hits = Milestones.Count(m => m == k);
        return hits == 0 ? current : current * Math.Pow(Gamma, hits);
    }

    protected override void ScalePeriods(int epochLength) => Milestones = Milestones.Select(m => m * epochLength).ToArray();
}

/// <summary>The learning rate times <c>gamma</c> at each milestone (MMEngine's <c>MultiStepLR</c>).</summary>
[Register]
internal sealed class MultiStepLR(OptimWrapper optimWrapper, [Range(0, int.MaxValue)] int[] milestones, [Range(0.0, double.MaxValue, MinimumIsExclusive = true)] double gamma = 0.1, int begin = 0, int? end = null, bool byEpoch = true, bool convertToIterBased = false)
    : MultiStepParamScheduler(optimWrapper, "lr", milestones, gamma, begin, end, byEpoch, convertToIterBased);

/// <summary>The momentum times <c>gamma</c> at each milestone (MMEngine's <c>MultiStepMomentum</c>).</summary>
[Register]
internal sealed class MultiStepMomentum(OptimWrapper optimWrapper, [Range(0, int.MaxValue)] int[] milestones, [Range(0.0, double.MaxValue, MinimumIsExclusive = true)] double gamma = 0.1, int begin = 0, int? end = null, bool byEpoch = true, bool convertToIterBased = false)
    : MultiStepParamScheduler(optimWrapper, "momentum", milestones, gamma, begin, end, byEpoch, convertToIterBased);
