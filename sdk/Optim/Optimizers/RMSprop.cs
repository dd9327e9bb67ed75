namespace Runner.Sdk.Optim.Optimizers;

using System.ComponentModel.DataAnnotations;
using Runner.Sdk.Registries;
using TorchSharp.Modules;
using static TorchSharp.torch;

/// <summary><c>torch.optim.RMSprop</c>.</summary>
[Register]
internal sealed class RMSprop([Range(0.0, double.MaxValue, MinimumIsExclusive = true)] double lr = 0.01, [Range(0.0, double.MaxValue)] double alpha = 0.99, [Range(0.0, double.MaxValue)] double eps = 1e-8, [Range(0.0, double.MaxValue)] double weightDecay = 0, [Range(0.0, double.MaxValue)] double momentum = 0, bool centered = false, bool maximize = false) : IOptimizerFactory
{
    public double Lr { get; } = lr > 0 && double.IsFinite(lr) ? lr : throw new ArgumentException($"lr must be positive and finite, got {lr}.");

    public optim.Optimizer Create(IEnumerable<Parameter> parameters) =>
        optim.RMSProp(parameters, Lr, alpha, eps, weightDecay, momentum, centered, maximize);
}
