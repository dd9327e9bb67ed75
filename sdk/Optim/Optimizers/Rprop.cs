using System.ComponentModel.DataAnnotations;
using Runner.Sdk.Registries;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Runner.Sdk.Optim.Optimizers;

/// <summary><c>torch.optim.Rprop</c>; <c>etas</c> and <c>step_sizes</c> are pairs, as in PyTorch.</summary>
[Register]
internal sealed class Rprop([Range(0.0, double.MaxValue, MinimumIsExclusive = true)] double lr = 0.01, double[]? etas = null, double[]? stepSizes = null, bool maximize = false) : IOptimizerFactory
{
    private readonly double[] _etas = OptimizerArguments.Pair(etas ?? [0.5, 1.2], "etas");

    private readonly double[] _stepSizes = OptimizerArguments.Pair(stepSizes ?? [1e-6, 50], "step_sizes");

    public double Lr { get; } = lr; // positive and finite: the [Range] is checked where the config is bound

    public optim.Optimizer Create(IEnumerable<Parameter> parameters) =>
        optim.Rprop(parameters, Lr, _etas[0], _etas[1], _stepSizes[0], _stepSizes[1], maximize);
}
