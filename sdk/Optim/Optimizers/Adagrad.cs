using System.ComponentModel.DataAnnotations;
using Runner.Sdk.Registries;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Runner.Sdk.Optim.Optimizers;

/// <summary><c>torch.optim.Adagrad</c>.</summary>
[Register]
internal sealed class Adagrad([Range(0.0, double.MaxValue, MinimumIsExclusive = true)] double lr = 0.01, [Range(0.0, double.MaxValue)] double lrDecay = 0, [Range(0.0, double.MaxValue)] double weightDecay = 0, [Range(0.0, double.MaxValue)] double initialAccumulatorValue = 0, [Range(0.0, double.MaxValue)] double eps = 1e-10) : IOptimizerFactory
{
    public double Lr { get; } = lr; // positive and finite: the [Range] is checked where the config is bound

    public optim.Optimizer Create(IEnumerable<Parameter> parameters) =>
        optim.Adagrad(parameters, Lr, lrDecay, weightDecay, initialAccumulatorValue, eps);
}
