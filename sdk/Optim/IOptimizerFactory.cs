using TorchSharp.Modules;
using Runner.Sdk.Registries;
using static TorchSharp.torch;

namespace Runner.Sdk.Optim;

/// <summary>
/// Builds a TorchSharp optimizer over a model's parameters. Registered under the optimizer's PyTorch name
/// (<c>SGD</c>, <c>Adam</c>, …); its constructor parameters are the optimizer's options, as in
/// <c>optim_wrapper.optimizer = { type = "SGD", lr = 0.01, momentum = 0.9 }</c>.
/// </summary>
[ComponentKind("optimizer", 9)]
public interface IOptimizerFactory
{
    /// <summary>The base learning rate (MMEngine's <c>base_lr</c>).</summary>
    double Lr { get; }

    /// <summary>Creates the optimizer over <paramref name="parameters"/> with this factory's options.</summary>
    /// <param name="parameters">The parameters to optimize (with <c>paramwise_cfg</c>, one group's).</param>
    optim.Optimizer Create(IEnumerable<Parameter> parameters);
}
