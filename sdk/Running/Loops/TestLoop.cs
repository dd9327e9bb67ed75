namespace Runner.Sdk.Running.Loops;

using global::Runner.Sdk.Data;
using global::Runner.Sdk.Evaluation;
using global::Runner.Sdk.Registries;
using static TorchSharp.torch;

/// <summary>Runs the model over the test set without gradients and evaluates the metrics (MMEngine's <c>TestLoop</c>).</summary>
[Register]
public class TestLoop : BaseLoop
{
    public TestLoop(Runner runner, DataLoader dataloader, Evaluator evaluator) : base(runner, dataloader)
    {
        Evaluator = evaluator;
        Evaluator.DatasetMeta = dataloader.Dataset.Metainfo;
    }

    public Evaluator Evaluator { get; }

    public IReadOnlyDictionary<string, double>? LastMetrics { get; private set; }

    public override void Run()
    {
        Runner.CallHooks.BeforeTest();
        Runner.CallHooks.BeforeTestEpoch();
        Runner.Model.eval();
        using (no_grad())
        {
            var batchIdx = 0;
            using var batches = Dataloader.GetEnumerator();
            while (true)
            {
                using var scope = NewDisposeScope();
                if (!batches.MoveNext()) break;
                using var batch = batches.Current;
                Runner.CallHooks.BeforeTestIter(batchIdx, batch);
                var outputs = Runner.Model.TestStep(batch);
                Evaluator.Process(batch, outputs);
                Runner.CallHooks.AfterTestIter(batchIdx, batch, outputs);
                batchIdx++;
            }
        }
        var metrics = Evaluator.Evaluate(Dataloader.Dataset.Count);
        LastMetrics = metrics;
        Runner.CallHooks.AfterTestEpoch(metrics);
        Runner.CallHooks.AfterTest();
    }
}
