using Runner.Sdk.Data;
using Runner.Sdk.Evaluation;
using Runner.Sdk.Registries;

namespace Runner.Sdk.Running.Loops;

/// <summary>Runs the model over the test set without gradients and evaluates the metrics (MMEngine's <c>TestLoop</c>).</summary>
[Register]
public class TestLoop : EvaluationLoop
{
    /// <param name="dtype">Evaluate in "bfloat16" or "float16" (the model and inputs are converted for the loop, then restored exactly).</param>
    public TestLoop(TrainingRunner runner, DataLoader dataloader, Evaluator evaluator, string? dtype = null)
        : base(runner, dataloader, evaluator, dtype)
    {
    }

    /// <inheritdoc/>
    protected override void BeforeLoop()
    {
        Runner.CallHooks.BeforeTest();
        Runner.CallHooks.BeforeTestEpoch();
    }

    /// <inheritdoc/>
    protected override void BeforeIter(int batchIdx, DataBatch batch) => Runner.CallHooks.BeforeTestIter(batchIdx, batch);

    /// <inheritdoc/>
    protected override DataBatch Step(DataBatch batch) => Runner.Model.TestStep(batch);

    /// <inheritdoc/>
    protected override void AfterIter(int batchIdx, DataBatch batch, DataBatch outputs) => Runner.CallHooks.AfterTestIter(batchIdx, batch, outputs);

    /// <inheritdoc/>
    protected override void AfterLoop(IReadOnlyDictionary<string, double> metrics)
    {
        Runner.CallHooks.AfterTestEpoch(metrics);
        Runner.CallHooks.AfterTest();
    }
}
