namespace Runner.Sdk.Running.Loops;

using global::Runner.Sdk.Data;
using global::Runner.Sdk.Evaluation;
using global::Runner.Sdk.Registries;

/// <summary>Runs the model over the test set without gradients and evaluates the metrics (MMEngine's <c>TestLoop</c>).</summary>
[Register]
public class TestLoop : EvaluationLoop
{
    /// <param name="dtype">Evaluate in "bfloat16" or "float16" (the model and inputs are converted for the loop, then restored exactly).</param>
    public TestLoop(TrainingRunner runner, DataLoader dataloader, Evaluator evaluator, string? dtype = null)
        : base(runner, dataloader, evaluator, dtype)
    {
    }

    protected override void BeforeLoop()
    {
        TrainingRunner.CallHooks.BeforeTest();
        TrainingRunner.CallHooks.BeforeTestEpoch();
    }

    protected override void BeforeIter(int batchIdx, DataBatch batch) => TrainingRunner.CallHooks.BeforeTestIter(batchIdx, batch);

    protected override DataBatch Step(DataBatch batch) => TrainingRunner.Model.TestStep(batch);

    protected override void AfterIter(int batchIdx, DataBatch batch, DataBatch outputs) => TrainingRunner.CallHooks.AfterTestIter(batchIdx, batch, outputs);

    protected override void AfterLoop(IReadOnlyDictionary<string, double> metrics)
    {
        TrainingRunner.CallHooks.AfterTestEpoch(metrics);
        TrainingRunner.CallHooks.AfterTest();
    }
}
