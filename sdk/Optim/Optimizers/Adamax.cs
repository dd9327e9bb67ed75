using System.ComponentModel.DataAnnotations;
using Runner.Sdk.Registries;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Runner.Sdk.Optim.Optimizers;

/// <summary><c>torch.optim.Adamax</c>.</summary>
[Register]
internal sealed class Adamax([Range(0.0, double.MaxValue, MinimumIsExclusive = true)] double lr = 0.002, double[]? betas = null, [Range(0.0, double.MaxValue)] double eps = 1e-8, [Range(0.0, double.MaxValue)] double weightDecay = 0) : IOptimizerFactory
{
    private readonly double[] _betas = OptimizerArguments.Betas(betas);

    public double Lr { get; } = lr; // positive and finite: the [Range] is checked where the config is bound

    public optim.Optimizer Create(IEnumerable<Parameter> parameters) =>
        optim.Adamax(parameters, Lr, _betas[0], _betas[1], eps, weightDecay);
}
