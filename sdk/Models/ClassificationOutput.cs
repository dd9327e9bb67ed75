using Runner.Sdk.Data;
using static TorchSharp.torch;

namespace Runner.Sdk.Models;

/// <summary>The usual outputs of a classifier from its logits: cross-entropy against <c>labels</c>, or <c>pred_label</c>, <c>pred_score</c> (probabilities) and <c>scores</c> (the logits).</summary>
public static class ClassificationOutput
{
    /// <summary>The output of a classifier for <paramref name="mode"/>: the cross-entropy loss, the predictions (<c>pred_label</c>, <c>pred_score</c>: softmax probabilities, <c>scores</c>: logits) or the logits.</summary>
    /// <example><code>public override ModelOutput Forward(DataBatch batch, ForwardMode mode) =>
    ///     ClassificationOutput.From(layers.forward(batch.Inputs), batch, mode);</code></example>
    public static ModelOutput From(Tensor logits, DataBatch batch, ForwardMode mode) => mode switch
    {
        ForwardMode.Loss => ModelOutput.FromLosses(new Dictionary<string, Tensor>
        {
            ["loss"] = CrossEntropy(logits, batch[DataBatch.LabelsKey]),
        }),
        ForwardMode.Predict => ModelOutput.FromPredictions(new DataBatch
        {
            [DataBatch.PredLabelKey] = logits.argmax(1),
            [DataBatch.PredScoreKey] = nn.functional.softmax(logits, 1),
            [DataBatch.ScoresKey] = logits,
        }),
        _ => ModelOutput.FromTensor(logits),
    };

    /// <summary>
    /// Cross-entropy of <paramref name="logits"/> against <paramref name="labels"/>; a label outside the model's
    /// classes (the data has more classes than the model predicts) is one sentence naming both, instead of libtorch's
    /// "Target N is out of bounds". The labels are looked at only when libtorch refuses them: no cost per step.
    /// </summary>
    private static Tensor CrossEntropy(Tensor logits, Tensor labels)
    {
        try
        {
            return nn.functional.cross_entropy(logits, labels);
        }
        catch (System.Runtime.InteropServices.ExternalException) when (logits.dim() == 2 && labels.dim() == 1 && labels.numel() > 0)
        {
            var classes = logits.shape[1];
            var largest = labels.max().item<long>();
            var smallest = labels.min().item<long>();
            if (smallest >= 0 && largest < classes) throw;
            throw new RunnerException(smallest < 0
                ? $"a label of the data is {smallest}: labels are class indices from 0 to {classes - 1}."
                : $"a label of the data is {largest}, but the model has {classes} classes (0 to {classes - 1}): the data has more classes than the model predicts; set the model's number of classes (num_classes) to at least {largest + 1}.");
        }
    }
}
