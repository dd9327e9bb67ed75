namespace Runner.Sdk.Optim.Optimizers;

using System.ComponentModel.DataAnnotations;
using Runner.Sdk.Registries;
using TorchSharp.Modules;
using static TorchSharp.torch;

/// <summary><c>torch.optim.ASGD</c>.</summary>
[Register]
internal sealed class ASGD([Range(0.0, double.MaxValue, MinimumIsExclusive = true)] double lr = 0.01, double lambd = 1e-4, double alpha = 0.75, double t0 = 1e6, [Range(0.0, double.MaxValue)] double weightDecay = 0, bool maximize = false) : IOptimizerFactory
{
    public double Lr { get; } = lr > 0 && double.IsFinite(lr) ? lr : throw new ArgumentException($"lr must be positive and finite, got {lr}.");

    public optim.Optimizer Create(IEnumerable<Parameter> parameters) =>
        optim.ASGD(parameters, Lr, lambd, alpha, t0, weightDecay, maximize);
}
