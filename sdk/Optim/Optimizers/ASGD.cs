using System.ComponentModel.DataAnnotations;
using Runner.Sdk.Registries;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Runner.Sdk.Optim.Optimizers;

/// <summary><c>torch.optim.ASGD</c>.</summary>
[Register]
internal sealed class ASGD([Range(0.0, double.MaxValue, MinimumIsExclusive = true)] double lr = 0.01, double lambd = 1e-4, double alpha = 0.75, double t0 = 1e6, [Range(0.0, double.MaxValue)] double weightDecay = 0, bool maximize = false) : IOptimizerFactory
{
    public double Lr { get; } = lr; // positive and finite: the [Range] is checked where the config is bound

    public optim.Optimizer Create(IEnumerable<Parameter> parameters) =>
        optim.ASGD(parameters, Lr, lambd, alpha, t0, weightDecay, maximize);
}
