namespace Runner.Sdk.Optim.Optimizers;

using System.ComponentModel.DataAnnotations;
using Runner.Sdk.Registries;
using TorchSharp.Modules;
using static TorchSharp.torch;

/// <summary><c>torch.optim.Adamax</c>.</summary>
[Register]
internal sealed class Adamax([Range(0.0, double.MaxValue, MinimumIsExclusive = true)] double lr = 0.002, double[]? betas = null, [Range(0.0, double.MaxValue)] double eps = 1e-8, [Range(0.0, double.MaxValue)] double weightDecay = 0) : IOptimizerFactory
{
    private readonly double[] _betas = OptimizerArguments.Betas(betas);

    public double Lr { get; } = lr > 0 && double.IsFinite(lr) ? lr : throw new ArgumentException($"lr must be positive and finite, got {lr}.");

    public optim.Optimizer Create(IEnumerable<Parameter> parameters) =>
        optim.Adamax(parameters, Lr, _betas[0], _betas[1], eps, weightDecay);
}
