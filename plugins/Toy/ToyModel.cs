using System.ComponentModel.DataAnnotations;
using Runner.Sdk.Data;
using Runner.Sdk.Models;
using Runner.Sdk.Registries;
using TorchSharp.Modules;
using static TorchSharp.torch.nn;

namespace Runner.Plugins.Toy;

/// <summary>The reference run's MLP, 32-64-64-10 with ReLU, trained with cross-entropy.</summary>
[Register]
public sealed class ToyModel : BaseModel
{
    private readonly Sequential net;

    /// <param name="inChannels">Input features.</param>
    /// <param name="hidden">Hidden width.</param>
    /// <param name="numClasses">Output classes.</param>
    public ToyModel([Range(1, int.MaxValue)] int inChannels = 32, [Range(1, int.MaxValue)] int hidden = 64, [Range(2, int.MaxValue)] int numClasses = 10)
    {
        // Built in the same order as PyTorch's Sequential, so the same seed gives the same initial weights.
        net = Sequential(Linear(inChannels, hidden), ReLU(), Linear(hidden, hidden), ReLU(), Linear(hidden, numClasses));
        RegisterComponents();
    }

    public override ModelOutput Forward(DataBatch batch, ForwardMode mode) =>
        ClassificationOutput.From(net.forward(batch.Inputs), batch, mode);
}
