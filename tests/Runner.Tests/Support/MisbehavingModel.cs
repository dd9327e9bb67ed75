using Runner.Sdk.Data;
using Runner.Sdk.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Runner.Tests.Support;

/// <summary>
/// The fixture's tiny model, made to misbehave from a chosen training step on: throw (optionally after poisoning its
/// weights with NaN), or return a NaN loss.
/// </summary>
public sealed class MisbehavingModel : BaseModel
{
    private readonly Linear fc;
    private int _calls;

    public MisbehavingModel() : base(nameof(MisbehavingModel))
    {
        fc = nn.Linear(2, 2);
        RegisterComponents();
    }

    /// <summary>Throw at this training step (null: never).</summary>
    public int? ThrowAt { get; init; }

    /// <summary>Fill the weights with NaN before throwing.</summary>
    public bool PoisonWeights { get; init; }

    /// <summary>Return a NaN loss from this training step on (null: never).</summary>
    public int? NanFrom { get; init; }

    public override ModelOutput Forward(DataBatch batch, ForwardMode mode)
    {
        var output = ClassificationOutput.From(fc.forward(batch.Inputs), batch, mode);
        if (mode != ForwardMode.Loss) return output;
        var step = _calls++;
        if (step == ThrowAt)
        {
            if (PoisonWeights)
                using (no_grad()) fc.weight!.fill_(double.NaN);
            throw new InvalidOperationException("failure on purpose");
        }
        return step >= NanFrom
            ? ModelOutput.FromLosses(new Dictionary<string, Tensor> { ["loss"] = output.Losses!["loss"] * double.NaN })
            : output;
    }
}
