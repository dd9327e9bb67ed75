namespace Runner.Sdk.Optim.Optimizers;

using Runner.Sdk.Registries;
using TorchSharp.Modules;
using static TorchSharp.torch;

/// <summary><c>torch.optim.ASGD</c>.</summary>
[Register]
public sealed class ASGD(double lr = 0.01, double lambd = 1e-4, double alpha = 0.75, double t0 = 1e6, double weightDecay = 0, bool maximize = false) : IOptimizerFactory
{
    public double Lr { get; } = lr > 0 ? lr : throw new ArgumentException($"lr must be positive, got {lr}.");

    public optim.Optimizer Create(IEnumerable<Parameter> parameters) =>
        optim.ASGD(parameters, Lr, lambd, alpha, t0, weightDecay, maximize);
}
