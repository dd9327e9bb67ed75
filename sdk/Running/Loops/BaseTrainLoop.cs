using Runner.Sdk.Data;
using Runner.Sdk.Registries;

namespace Runner.Sdk.Running.Loops;

/// <summary>What every training loop exposes to the runner and hooks: its counters and the stop flag.</summary>
public abstract class BaseTrainLoop : BaseLoop
{
    /// <summary>A train loop of <paramref name="runner"/> over <paramref name="dataloader"/>.</summary>
    protected BaseTrainLoop(TrainingRunner runner, DataLoader dataloader) : base(runner, dataloader) { }

    /// <summary>Epochs completed (0-based during an epoch's hooks, as MMEngine).</summary>
    public int Epoch { get; protected internal set; }

    /// <summary>Iterations completed, over the whole run.</summary>
    public int Iter { get; protected internal set; }

    /// <summary>The epochs the loop trains for (for an iteration-based loop, the passes its iterations make).</summary>
    public abstract int MaxEpochs { get; }

    /// <summary>The iterations the loop trains for.</summary>
    public abstract int MaxIters { get; }

    /// <summary>Set by a hook (e.g. early stopping) to end training.</summary>
    [NotConfigurable]
    public bool StopTraining { get; set; }

    /// <summary>Time spent in the model's train steps (forward, backward, gradient averaging, optimizer step) so far.</summary>
    public TimeSpan TrainStepTime { get; private set; }

    /// <summary>Batches of the current epoch already trained, when resuming in the middle of an epoch.</summary>
    public int SkipBatches { get; protected internal set; }

    /// <summary>
    /// One training iteration: the device's generators seeded for it, the iteration hooks around the model's train
    /// step (with collections held off while loader workers allocate, see <see cref="NoCollectionRegion"/>), then the
    /// count and a requested stop.
    /// </summary>
    /// <param name="batchIdx">What the iteration hooks are told: the batch of the epoch, or the iteration.</param>
    protected void RunIter(int batchIdx, DataBatch batch)
    {
        Runner.SeedDeviceForIteration(Iter);
        Runner.CallHooks.BeforeTrainIter(batchIdx, batch);
        IReadOnlyDictionary<string, double> outputs;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        using (NoCollectionRegion.Enter(othersAllocate: Dataloader.NumWorkers > 0))
            outputs = ComponentException.Guard(Runner.Model, "TrainStep", Epoch, Iter, () => Runner.Model.TrainStep(batch, Runner.OptimWrapper!));
        TrainStepTime += System.Diagnostics.Stopwatch.GetElapsedTime(started);
        Runner.CallHooks.AfterTrainIter(batchIdx, batch, outputs);
        Iter++;
        Runner.StopIfRequested();
    }
}
