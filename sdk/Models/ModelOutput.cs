using Runner.Sdk.Data;
using static TorchSharp.torch;

namespace Runner.Sdk.Models;

/// <summary>The result of <see cref="BaseModel.Forward"/>: losses, predictions or a raw tensor, depending on the mode.</summary>
public sealed class ModelOutput
{
    private ModelOutput(ForwardMode mode) => Mode = mode;

    /// <summary>What the forward pass was asked for, and so which of the other properties is set.</summary>
    public ForwardMode Mode { get; }

    /// <summary>The named losses (<see cref="ForwardMode.Loss"/>); those whose name contains <c>loss</c> are summed for backward.</summary>
    public IReadOnlyDictionary<string, Tensor>? Losses { get; private init; }

    /// <summary>The predictions (<see cref="ForwardMode.Predict"/>), handed to the metrics.</summary>
    public DataBatch? Predictions { get; private init; }

    /// <summary>The raw output (<see cref="ForwardMode.Tensor"/>).</summary>
    public Tensor? Tensor { get; private init; }

    /// <summary>An output of named losses.</summary>
    public static ModelOutput FromLosses(IReadOnlyDictionary<string, Tensor> losses) => new(ForwardMode.Loss) { Losses = losses };

    /// <summary>An output of predictions.</summary>
    public static ModelOutput FromPredictions(DataBatch predictions) => new(ForwardMode.Predict) { Predictions = predictions };

    /// <summary>A raw tensor output.</summary>
    public static ModelOutput FromTensor(Tensor tensor) => new(ForwardMode.Tensor) { Tensor = tensor };
}
