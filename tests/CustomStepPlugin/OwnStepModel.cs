using Runner.Sdk.Data;
using Runner.Sdk.Models;
using Runner.Sdk.Optim;
using Runner.Sdk.Registries;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

[assembly: Runner.Sdk.Registries.PluginScope("customstep")]

namespace CustomStep.Plugin;

/// <summary>
/// The toy job's MLP (32-64-64-10, built in the same order, so the same seed gives the same weights), with a training
/// step of its own, as a plugin author writes one: its loss, then <see cref="OptimWrapper.ReduceLogVars"/> (so that
/// with several ranks every rank logs and judges the mean loss), then the update.
/// </summary>
[Register]
public sealed class OwnStepModel : BaseModel
{
    private readonly Sequential net;

    public OwnStepModel()
    {
        net = Sequential(Linear(32, 64), ReLU(), Linear(64, 64), ReLU(), Linear(64, 10));
        RegisterComponents();
    }

    public override ModelOutput Forward(DataBatch batch, ForwardMode mode) =>
        ClassificationOutput.From(net.forward(batch.Inputs), batch, mode);

    public override IReadOnlyDictionary<string, double> TrainStep(DataBatch batch, OptimWrapper optimWrapper)
    {
        var data = DataPreprocessor.Process(batch, training: true);
        var loss = nn.functional.cross_entropy(net.forward(data.Inputs), data[DataBatch.LabelsKey]);
        var logVars = optimWrapper.ReduceLogVars(new Dictionary<string, double> { ["loss"] = loss.item<float>() });
        if (logVars.Values.Any(value => !double.IsFinite(value))) throw NonfiniteLossException.For(logVars);
        optimWrapper.UpdateParams(loss);
        return logVars;
    }
}
