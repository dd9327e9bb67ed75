namespace Runner.Sdk.Running.Loops;

using global::Runner.Sdk.Data;
using global::Runner.Sdk.Evaluation;
using static TorchSharp.torch;

/// <summary>
/// What <see cref="ValLoop"/> and <see cref="TestLoop"/> share: run the model over a dataloader without gradients,
/// one dispose scope per batch, feed the evaluator, and report the metrics. Subclasses say which hooks and which
/// step of the model to call.
/// </summary>
public abstract class EvaluationLoop : BaseLoop
{
    protected EvaluationLoop(Runner runner, DataLoader dataloader, Evaluator evaluator) : base(runner, dataloader)
    {
        Evaluator = evaluator;
        Evaluator.DatasetMeta = dataloader.Dataset.Metainfo;
    }

    public Evaluator Evaluator { get; }

    /// <summary>The metrics of the last run.</summary>
    public IReadOnlyDictionary<string, double>? LastMetrics { get; private set; }

    public override void Run()
    {
        BeforeLoop();
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
                BeforeIter(batchIdx, batch);
                var outputs = ComponentException.Guard(Runner.Model, $"{GetType().Name} step (batch {batchIdx})", Runner.Epoch, Runner.Iter, () => Step(batch));
                foreach (var metric in Evaluator.Metrics)
                    ComponentException.Guard(metric, $"Process (batch {batchIdx})", Runner.Epoch, Runner.Iter, () => { metric.Process(batch, outputs); return 0; });
                AfterIter(batchIdx, batch, outputs);
                batchIdx++;
            }
        }
        var metrics = ComponentException.Guard(Evaluator, "Evaluate", Runner.Epoch, Runner.Iter, () => Evaluator.Evaluate(Dataloader.Dataset.Count));
        LastMetrics = metrics;
        AfterLoop(metrics);
    }

    /// <summary>The before-loop and before-epoch hooks.</summary>
    protected abstract void BeforeLoop();

    protected abstract void BeforeIter(int batchIdx, DataBatch batch);

    /// <summary>The model's val or test step.</summary>
    protected abstract DataBatch Step(DataBatch batch);

    protected abstract void AfterIter(int batchIdx, DataBatch batch, DataBatch outputs);

    /// <summary>The after-epoch and after-loop hooks.</summary>
    protected abstract void AfterLoop(IReadOnlyDictionary<string, double> metrics);
}
