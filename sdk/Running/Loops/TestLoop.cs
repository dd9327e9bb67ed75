namespace Runner.Sdk.Running.Loops;

using global::Runner.Sdk.Data;
using global::Runner.Sdk.Evaluation;
using global::Runner.Sdk.Registries;

/// <summary>Runs the model over the test set without gradients and evaluates the metrics (MMEngine's <c>TestLoop</c>).</summary>
[Register]
public class TestLoop(Runner runner, DataLoader dataloader, Evaluator evaluator) : EvaluationLoop(runner, dataloader, evaluator)
{
    protected override void BeforeLoop()
    {
        Runner.CallHooks.BeforeTest();
        Runner.CallHooks.BeforeTestEpoch();
    }

    protected override void BeforeIter(int batchIdx, DataBatch batch) => Runner.CallHooks.BeforeTestIter(batchIdx, batch);

    protected override DataBatch Step(DataBatch batch) => Runner.Model.TestStep(batch);

    protected override void AfterIter(int batchIdx, DataBatch batch, DataBatch outputs) => Runner.CallHooks.AfterTestIter(batchIdx, batch, outputs);

    protected override void AfterLoop(IReadOnlyDictionary<string, double> metrics)
    {
        Runner.CallHooks.AfterTestEpoch(metrics);
        Runner.CallHooks.AfterTest();
    }
}
