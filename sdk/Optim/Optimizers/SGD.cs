using System.ComponentModel.DataAnnotations;
using Runner.Sdk.Registries;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Runner.Sdk.Optim.Optimizers;

/// <summary><c>torch.optim.SGD</c>.</summary>
[Register]
internal sealed class SGD([Range(0.0, double.MaxValue, MinimumIsExclusive = true)] double lr, [Range(0.0, double.MaxValue)] double momentum = 0, [Range(0.0, double.MaxValue)] double dampening = 0, [Range(0.0, double.MaxValue)] double weightDecay = 0, bool nesterov = false, bool maximize = false)
    : IOptimizerFactory
{
    public double Lr { get; } = lr; // positive and finite: the [Range] is checked where the config is bound

    public optim.Optimizer Create(IEnumerable<Parameter> parameters) =>
        optim.SGD(parameters, Lr, momentum, dampening, weightDecay, nesterov, maximize);
}
