namespace Runner.Sdk.Running.Loops;

using global::Runner.Sdk.Data;
using global::Runner.Sdk.Evaluation;
using global::Runner.Sdk.Registries;
using static TorchSharp.torch;

/// <summary>Runs the model over the validation set without gradients and evaluates the metrics (MMEngine's <c>ValLoop</c>).</summary>
[Register]
public class ValLoop : BaseLoop
{
    public ValLoop(Runner runner, DataLoader dataloader, Evaluator evaluator) : base(runner, dataloader)
    {
        Evaluator = evaluator;
        Evaluator.DatasetMeta = dataloader.Dataset.Metainfo;
    }

    public Evaluator Evaluator { get; }

    /// <summary>The metrics of the last run.</summary>
    public IReadOnlyDictionary<string, double>? LastMetrics { get; private set; }

    public override void Run()
    {
        Runner.CallHooks.BeforeVal();
        Runner.CallHooks.BeforeValEpoch();
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
                Runner.CallHooks.BeforeValIter(batchIdx, batch);
                var outputs = Runner.Model.ValStep(batch);
                Evaluator.Process(batch, outputs);
                Runner.CallHooks.AfterValIter(batchIdx, batch, outputs);
                batchIdx++;
            }
        }
        var metrics = Evaluator.Evaluate(Dataloader.Dataset.Count);
        LastMetrics = metrics;
        Runner.CallHooks.AfterValEpoch(metrics);
        Runner.CallHooks.AfterVal();
    }
}
