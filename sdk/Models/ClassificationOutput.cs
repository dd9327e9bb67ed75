namespace Runner.Sdk.Models;

using Runner.Sdk.Data;
using static TorchSharp.torch;

/// <summary>The usual outputs of a classifier from its logits: cross-entropy against <c>labels</c>, or <c>scores</c> and <c>pred_label</c>.</summary>
public static class ClassificationOutput
{
    /// <summary>The output of a classifier for <paramref name="mode"/>: the cross-entropy loss, the predictions (<c>scores</c> and <c>pred_label</c>) or the logits.</summary>
    /// <example><code>public override ModelOutput Forward(DataBatch batch, ForwardMode mode) =>
    ///     ClassificationOutput.From(layers.forward(batch.Inputs), batch, mode);</code></example>
    public static ModelOutput From(Tensor logits, DataBatch batch, ForwardMode mode) => mode switch
    {
        ForwardMode.Loss => ModelOutput.FromLosses(new Dictionary<string, Tensor>
        {
            ["loss"] = nn.functional.cross_entropy(logits, batch[DataBatch.LabelsKey]),
        }),
        ForwardMode.Predict => ModelOutput.FromPredictions(new DataBatch
        {
            [DataBatch.ScoresKey] = logits,
            [DataBatch.PredLabelKey] = logits.argmax(1),
        }),
        _ => ModelOutput.FromTensor(logits),
    };
}
