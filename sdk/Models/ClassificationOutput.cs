namespace Runner.Sdk.Models;

using Runner.Sdk.Data;
using static TorchSharp.torch;

/// <summary>The usual outputs of a classifier from its logits: cross-entropy against <c>labels</c>, or <c>scores</c> and <c>pred_label</c>.</summary>
public static class ClassificationOutput
{
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
