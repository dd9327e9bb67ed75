namespace Runner.Sdk.Optim.Optimizers;

using Runner.Sdk.Registries;
using TorchSharp.Modules;
using static TorchSharp.torch;

/// <summary><c>torch.optim.Adam</c>; <c>betas</c> is a pair, as in PyTorch.</summary>
[Register]
public sealed class Adam(double lr = 0.001, double[]? betas = null, double eps = 1e-8, double weightDecay = 0, bool amsgrad = false, bool maximize = false)
    : IOptimizerFactory
{
    private readonly double[] _betas = OptimizerArguments.Betas(betas);

    public double Lr { get; } = lr > 0 ? lr : throw new ArgumentException($"lr must be positive, got {lr}.");

    public optim.Optimizer Create(IEnumerable<Parameter> parameters) =>
        optim.Adam(parameters, Lr, _betas[0], _betas[1], eps, weightDecay, amsgrad, maximize);
}
