namespace Runner.Sdk.Optim.Optimizers;

using Runner.Sdk.Registries;
using TorchSharp.Modules;
using static TorchSharp.torch;

/// <summary><c>torch.optim.Adagrad</c>.</summary>
[Register]
public sealed class Adagrad(double lr = 0.01, double lrDecay = 0, double weightDecay = 0, double initialAccumulatorValue = 0, double eps = 1e-10) : IOptimizerFactory
{
    public double Lr { get; } = lr > 0 ? lr : throw new ArgumentException($"lr must be positive, got {lr}.");

    public optim.Optimizer Create(IEnumerable<Parameter> parameters) =>
        optim.Adagrad(parameters, Lr, lrDecay, weightDecay, initialAccumulatorValue, eps);
}
