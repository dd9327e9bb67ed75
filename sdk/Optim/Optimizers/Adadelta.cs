using System.ComponentModel.DataAnnotations;
using Runner.Sdk.Registries;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Runner.Sdk.Optim.Optimizers;

/// <summary><c>torch.optim.Adadelta</c>.</summary>
[Register]
internal sealed class Adadelta([Range(0.0, double.MaxValue, MinimumIsExclusive = true)] double lr = 1.0, [Range(0.0, 1.0)] double rho = 0.9, [Range(0.0, double.MaxValue)] double eps = 1e-6, [Range(0.0, double.MaxValue)] double weightDecay = 0, bool maximize = false) : IOptimizerFactory
{
    public double Lr { get; } = lr; // positive and finite: the [Range] is checked where the config is bound

    public optim.Optimizer Create(IEnumerable<Parameter> parameters) =>
        optim.Adadelta(parameters, Lr, rho, eps, weightDecay, maximize);
}
