namespace Runner.Sdk.Optim.Optimizers;

using System.ComponentModel.DataAnnotations;
using Runner.Sdk.Registries;
using TorchSharp.Modules;
using static TorchSharp.torch;

/// <summary><c>torch.optim.Adadelta</c>.</summary>
[Register]
internal sealed class Adadelta([Range(0.0, double.MaxValue, MinimumIsExclusive = true)] double lr = 1.0, [Range(0.0, 1.0)] double rho = 0.9, [Range(0.0, double.MaxValue)] double eps = 1e-6, [Range(0.0, double.MaxValue)] double weightDecay = 0, bool maximize = false) : IOptimizerFactory
{
    public double Lr { get; } = lr > 0 && double.IsFinite(lr) ? lr : throw new ArgumentException($"lr must be positive and finite, got {lr}.");

    public optim.Optimizer Create(IEnumerable<Parameter> parameters) =>
        optim.Adadelta(parameters, Lr, rho, eps, weightDecay, maximize);
}
