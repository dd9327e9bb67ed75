namespace Runner.Sdk.Models;

using Runner.Sdk.Data;
using static TorchSharp.torch;

/// <summary>The result of <see cref="BaseModel.Forward"/>: losses, predictions or a raw tensor, depending on the mode.</summary>
public sealed class ModelOutput
{
    private ModelOutput(ForwardMode mode) => Mode = mode;

    public ForwardMode Mode { get; }

    public IReadOnlyDictionary<string, Tensor>? Losses { get; private init; }

    public DataBatch? Predictions { get; private init; }

    public Tensor? Tensor { get; private init; }

    public static ModelOutput FromLosses(IReadOnlyDictionary<string, Tensor> losses) => new(ForwardMode.Loss) { Losses = losses };

    public static ModelOutput FromPredictions(DataBatch predictions) => new(ForwardMode.Predict) { Predictions = predictions };

    public static ModelOutput FromTensor(Tensor tensor) => new(ForwardMode.Tensor) { Tensor = tensor };
}
