namespace Runner.Sdk.Running.Loops;

using global::Runner.Sdk.Data;
using global::Runner.Sdk.Evaluation;
using global::Runner.Sdk.Registries;

/// <summary>Runs the model over the validation set without gradients and evaluates the metrics (MMEngine's <c>ValLoop</c>).</summary>
[Register]
public class ValLoop : EvaluationLoop
{
    /// <param name="dtype">Evaluate in "bfloat16" or "float16" (the model and inputs are converted for the loop, then restored exactly).</param>
    public ValLoop(TrainingRunner runner, DataLoader dataloader, Evaluator evaluator, string? dtype = null)
        : base(runner, dataloader, evaluator, dtype)
    {
    }

    protected override void BeforeLoop()
    {
        TrainingRunner.CallHooks.BeforeVal();
        TrainingRunner.CallHooks.BeforeValEpoch();
    }

    protected override void BeforeIter(int batchIdx, DataBatch batch) => TrainingRunner.CallHooks.BeforeValIter(batchIdx, batch);

    protected override DataBatch Step(DataBatch batch) => TrainingRunner.Model.ValStep(batch);

    protected override void AfterIter(int batchIdx, DataBatch batch, DataBatch outputs) => TrainingRunner.CallHooks.AfterValIter(batchIdx, batch, outputs);

    protected override void AfterLoop(IReadOnlyDictionary<string, double> metrics)
    {
        TrainingRunner.CallHooks.AfterValEpoch(metrics);
        TrainingRunner.CallHooks.AfterVal();
    }
}
