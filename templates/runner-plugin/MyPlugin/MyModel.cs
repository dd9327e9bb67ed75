using Runner.Sdk.Data;
using Runner.Sdk.Models;
using Runner.Sdk.Registries;
using TorchSharp.Modules;
using static TorchSharp.torch.nn;

namespace MyPlugin;

/// <summary>A multilayer perceptron classifier: flatten, one hidden layer with ReLU, then class scores.</summary>
[Register]
public sealed class MyModel : BaseModel
{
    private readonly Sequential layers;

    /// <param name="inputs">Values per sample (8×8 digits: 64).</param>
    /// <param name="hidden">Width of the hidden layer.</param>
    /// <param name="numClasses">Output classes.</param>
    public MyModel(int inputs = 64, int hidden = 64, int numClasses = 10)
    {
        layers = Sequential(Flatten(), Linear(inputs, hidden), ReLU(), Linear(hidden, numClasses));
        RegisterComponents();
    }

    public override ModelOutput Forward(DataBatch batch, ForwardMode mode) =>
        ClassificationOutput.From(layers.forward(batch.Inputs), batch, mode);
}
