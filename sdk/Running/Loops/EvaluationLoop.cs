using Runner.Sdk.Data;
using Runner.Sdk.Evaluation;
using TorchSharp;
using static TorchSharp.torch;

namespace Runner.Sdk.Running.Loops;

/// <summary>
/// What <see cref="ValLoop"/> and <see cref="TestLoop"/> share: run the model over a dataloader without gradients,
/// one dispose scope per batch, feed the evaluator, and report the metrics. Subclasses say which hooks and which
/// step of the model to call. Beyond MMEngine, a loop may evaluate several named sets
/// (<c>[val_dataloader.clean]</c>, <c>[val_dataloader.noisy]</c>): each set gets its own evaluator, its metrics are
/// prefixed with its name (<c>clean/accuracy/top1</c>), and the hooks see one epoch with all of them.
/// </summary>
public abstract class EvaluationLoop : BaseLoop
{
    private readonly List<(string Name, DataLoader Loader, Evaluator Evaluator)> _sets = [];

    /// <param name="dtype">Evaluate in "bfloat16" or "float16" (see <see cref="Dtype"/>); null: the model's own.</param>
    protected EvaluationLoop(TrainingRunner runner, DataLoader dataloader, Evaluator evaluator, string? dtype = null) : base(runner, dataloader)
    {
        Dtype = dtype is null ? null : Optim.AmpOptimWrapper.ParseDtype(dtype);
        dataloader.RequireBatches(Split);
        Evaluator = evaluator;
        Evaluator.DatasetMeta = dataloader.Dataset.Metainfo;
        _sets.Add(("", dataloader, evaluator));
    }

    /// <summary>"test" for a test loop, else "val": which split the loop evaluates, in messages and records.</summary>
    private string Split => this is TestLoop ? "test" : "val";

    /// <summary>The evaluator of the set being run (the only one, with a single set).</summary>
    public Evaluator Evaluator { get; private set; }

    /// <summary>The evaluated sets by name ("" for a single unnamed set).</summary>
    public IReadOnlyList<(string Name, DataLoader Loader, Evaluator Evaluator)> Sets => _sets;

    /// <summary>The metrics of the last run.</summary>
    public IReadOnlyDictionary<string, double>? LastMetrics { get; private set; }

    /// <summary>Turns the loop into one over named sets: the constructor's set becomes <paramref name="firstName"/>, then the others.</summary>
    public void UseNamedSets(string firstName, IEnumerable<(string Name, DataLoader Loader, Evaluator Evaluator)> others)
    {
        _sets[0] = (firstName, _sets[0].Loader, _sets[0].Evaluator);
        foreach (var set in others)
        {
            set.Loader.RequireBatches($"{Split} ('{set.Name}')");
            set.Evaluator.DatasetMeta = set.Loader.Dataset.Metainfo;
            _sets.Add(set);
        }
    }

    /// <summary>
    /// Evaluate in reduced precision (<c>dtype = "bfloat16"</c> or <c>"float16"</c>): the model's weights and the
    /// floating-point inputs are converted for the loop, so every op runs in that dtype; afterwards the model gets its
    /// exact float32 weights back. Not during training, where converting the model would detach it from the optimizer.
    /// </summary>
    public TorchSharp.torch.ScalarType? Dtype { get; init; }

    /// <inheritdoc/>
    public override void Run()
    {
        if (Dtype is not { } dtype || Runner.Model.parameters().All(p => p.dtype == dtype))
        {
            RunAllSets();
            return;
        }
        if (Runner.IsTraining)
            throw new RunnerException($"{GetType().Name}: dtype cannot be used while training (converting the model would detach it from the optimizer); use it in test_cfg, or for runner-host val.");
        var weights = Runner.Model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
        var inputs = Runner.Model.DataPreprocessor.FloatDtype;
        try
        {
            Runner.Model.to(dtype);
            Runner.Model.DataPreprocessor.FloatDtype = dtype;
            RunAllSets();
        }
        finally
        {
            Runner.Model.to(TorchSharp.torch.ScalarType.Float32);
            Runner.Model.load_state_dict(weights);
            Runner.Model.DataPreprocessor.FloatDtype = inputs;
            foreach (var tensor in weights.Values) tensor.Dispose();
        }
    }

    private void RunAllSets()
    {
        BeforeLoop();
        Runner.Model.eval();
        var merged = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (name, loader, evaluator) in _sets)
        {
            Dataloader = loader;
            Evaluator = evaluator;
            foreach (var (key, value) in RunSet(loader, evaluator))
                merged[name.Length == 0 ? key : $"{name}/{key}"] = value;
        }
        LastMetrics = merged;
        AfterLoop(merged);
    }

    private Dictionary<string, double> RunSet(DataLoader loader, Evaluator evaluator)
    {
        using (no_grad())
        {
            var batchIdx = 0;
            // With several ranks the last samples of a rank's share may only pad it to the others' length: they are
            // run (every rank does as many steps) but left out of the metrics, which then count each sample once.
            var realLeft = loader.Sampler.Count - loader.Sampler.PaddedCount;
            using var batches = loader.GetEnumerator();
            while (true)
            {
                using var scope = NewDisposeScope();
                if (!batches.MoveNext()) break;
                using var batch = batches.Current;
                BeforeIter(batchIdx, batch);
                DataBatch outputs;
                using (NoCollectionRegion.Enter(othersAllocate: loader.NumWorkers > 0))
                    outputs = ComponentException.Guard(Runner.Model, $"{GetType().Name} step (batch {batchIdx})", Runner.Epoch, Runner.Iter, () => Step(batch));
                var rows = batch.Count;
                var real = Math.Min(rows, realLeft);
                realLeft -= real;
                var (measured, predicted) = real == rows ? (batch, outputs) : (FirstRows(batch, rows, real), FirstRows(outputs, rows, real));
                if (real > 0)
                {
                    foreach (var metric in evaluator.Metrics)
                        ComponentException.Guard(metric, $"Process (batch {batchIdx})", Runner.Epoch, Runner.Iter, () => { metric.Process(measured, predicted); return 0; });
                }
                AfterIter(batchIdx, batch, outputs);
                batchIdx++;
            }
        }
        Runner.DescribeEvaluation(Split);
        return evaluator.Evaluate(loader.Dataset.Count, Runner.World,
            (metric, evaluate) => ComponentException.Guard(metric, "Evaluate", Runner.Epoch, Runner.Iter, evaluate));
    }

    /// <summary>The first <paramref name="keep"/> samples of a batch: every field with one row per sample is cut, the others are kept whole.</summary>
    private static DataBatch FirstRows(DataBatch batch, long rows, long keep)
    {
        var first = batch.Select((_, field) => field.dim() > 0 && field.shape[0] == rows ? field.narrow(0, 0, keep) : field);
        first.SampleInfo = batch.SampleInfo?.Take((int)keep).ToList();
        first.SampleIndices = batch.SampleIndices?.Take((int)keep).ToList();
        return first;
    }

    /// <summary>The before-loop and before-epoch hooks.</summary>
    protected abstract void BeforeLoop();

    /// <summary>Calls the mode's before-iteration hooks.</summary>
    protected abstract void BeforeIter(int batchIdx, DataBatch batch);

    /// <summary>The model's val or test step.</summary>
    protected abstract DataBatch Step(DataBatch batch);

    /// <summary>Calls the mode's after-iteration hooks.</summary>
    protected abstract void AfterIter(int batchIdx, DataBatch batch, DataBatch outputs);

    /// <summary>The after-epoch and after-loop hooks.</summary>
    protected abstract void AfterLoop(IReadOnlyDictionary<string, double> metrics);
}
