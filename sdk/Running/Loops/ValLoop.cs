using Runner.Sdk.Data;
using Runner.Sdk.Evaluation;
using Runner.Sdk.Registries;

namespace Runner.Sdk.Running.Loops;

/// <summary>Runs the model over the validation set without gradients and evaluates the metrics (MMEngine's <c>ValLoop</c>).</summary>
[Register]
public class ValLoop : EvaluationLoop
{
    /// <param name="dtype">Evaluate in "bfloat16" or "float16" (the model and inputs are converted for the loop, then restored exactly).</param>
    public ValLoop(TrainingRunner runner, DataLoader dataloader, Evaluator evaluator, string? dtype = null)
        : base(runner, dataloader, evaluator, dtype)
    {
    }

    /// <inheritdoc/>
    protected override void BeforeLoop()
    {
        Runner.CallHooks.BeforeVal();
        Runner.CallHooks.BeforeValEpoch();
    }

    /// <inheritdoc/>
    protected override void BeforeIter(int batchIdx, DataBatch batch) => Runner.CallHooks.BeforeValIter(batchIdx, batch);

    /// <inheritdoc/>
    protected override DataBatch Step(DataBatch batch) => Runner.Model.ValStep(batch);

    /// <inheritdoc/>
    protected override void AfterIter(int batchIdx, DataBatch batch, DataBatch outputs) => Runner.CallHooks.AfterValIter(batchIdx, batch, outputs);

    /// <inheritdoc/>
    protected override void AfterLoop(IReadOnlyDictionary<string, double> metrics)
    {
        Runner.CallHooks.AfterValEpoch(metrics);
        Runner.CallHooks.AfterVal();
    }
}
