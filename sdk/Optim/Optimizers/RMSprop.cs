using System.ComponentModel.DataAnnotations;
using Runner.Sdk.Registries;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Runner.Sdk.Optim.Optimizers;

/// <summary><c>torch.optim.RMSprop</c>.</summary>
[Register]
internal sealed class RMSprop([Range(0.0, double.MaxValue, MinimumIsExclusive = true)] double lr = 0.01, [Range(0.0, double.MaxValue)] double alpha = 0.99, [Range(0.0, double.MaxValue)] double eps = 1e-8, [Range(0.0, double.MaxValue)] double weightDecay = 0, [Range(0.0, double.MaxValue)] double momentum = 0, bool centered = false, bool maximize = false) : IOptimizerFactory
{
    public double Lr { get; } = lr; // positive and finite: the [Range] is checked where the config is bound

    public optim.Optimizer Create(IEnumerable<Parameter> parameters) =>
        optim.RMSProp(parameters, Lr, alpha, eps, weightDecay, momentum, centered, maximize);
}
