using System.ComponentModel.DataAnnotations;
using Runner.Sdk.Data;
using Runner.Sdk.Models;
using Runner.Sdk.Registries;
using TorchSharp.Modules;
using static TorchSharp.torch.nn;

namespace Runner.Plugins.Digits;

/// <summary>A small CNN for 8×8 digits: two 3×3 convolutions, 2×2 max-pooling, dropout, two linear layers.</summary>
[Register]
public sealed class DigitsCnn : BaseModel
{
    private readonly Sequential features;
    private readonly Sequential classifier;

    /// <param name="channels">Channels of the first convolution (the second has twice as many).</param>
    /// <param name="hidden">Width of the hidden linear layer.</param>
    /// <param name="dropout">Dropout before the last layer.</param>
    /// <param name="numClasses">Output classes.</param>
    public DigitsCnn([Range(1, int.MaxValue)] int channels = 32, [Range(1, int.MaxValue)] int hidden = 128,
        [Range(0.0, 1.0, MaximumIsExclusive = true)] double dropout = 0.25, [Range(2, int.MaxValue)] int numClasses = 10)
    {
        features = Sequential(
            Conv2d(1, channels, 3, padding: 1), ReLU(),
            Conv2d(channels, channels * 2, 3, padding: 1), ReLU(),
            MaxPool2d(2));
        classifier = Sequential(
            Flatten(),
            Linear(channels * 2 * 4 * 4, hidden), ReLU(),
            Dropout(dropout),
            Linear(hidden, numClasses));
        RegisterComponents();
    }

    public override ModelOutput Forward(DataBatch batch, ForwardMode mode) =>
        ClassificationOutput.From(classifier.forward(features.forward(batch.Inputs)), batch, mode);
}
