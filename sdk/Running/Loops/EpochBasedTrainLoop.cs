using System.ComponentModel.DataAnnotations;
using Runner.Sdk.Data;
using Runner.Sdk.Registries;
using static TorchSharp.torch;

namespace Runner.Sdk.Running.Loops;

/// <summary>
/// Trains for <c>max_epochs</c> epochs, validating after epoch <c>val_begin</c> and then every <c>val_interval</c>
/// epochs (changed by <c>dynamic_intervals</c>) and after the last one (MMEngine's <c>EpochBasedTrainLoop</c>, same
/// counters at every hook point).
/// </summary>
[Register]
public sealed class EpochBasedTrainLoop : BaseTrainLoop
{
    /// <param name="maxEpochs">Epochs to train.</param>
    /// <param name="valBegin">The first epoch after which to validate.</param>
    /// <param name="valInterval">Validate every this many epochs.</param>
    /// <param name="dynamicIntervals">[[epoch, interval], …]: from each epoch on, validate at that interval.</param>
    public EpochBasedTrainLoop(TrainingRunner runner, DataLoader dataloader, [Range(1, int.MaxValue)] int maxEpochs, int valBegin = 1, [Range(1, int.MaxValue)] int valInterval = 1, int[][]? dynamicIntervals = null)
        : base(runner, dataloader)
    {
        if (maxEpochs < 1) throw new ArgumentException($"max_epochs must be at least 1, got {maxEpochs}.");
        dataloader.RequireBatches("train");
        // Iterations are counted in an int (as the checkpoint's meta.iter): the whole run must fit.
        if ((long)maxEpochs * dataloader.Count > int.MaxValue)
            throw new ArgumentException($"max_epochs must be at most {int.MaxValue / dataloader.Count} with {dataloader.Count} iterations per epoch (the run's {int.MaxValue:N0} iterations at most), got {maxEpochs}.", nameof(maxEpochs));
        MaxEpochs = maxEpochs;
        ValSchedule = new ValIntervalSchedule(valBegin, valInterval, dynamicIntervals);
    }

    /// <inheritdoc/>
    public override int MaxEpochs { get; }

    /// <inheritdoc/>
    public override int MaxIters => MaxEpochs * Dataloader.Count;

    /// <summary>When the loop validates.</summary>
    public ValIntervalSchedule ValSchedule { get; }

    /// <inheritdoc/>
    public override void Run()
    {
        Runner.CallHooks.BeforeTrain();
        while (Epoch < MaxEpochs && !StopTraining)
        {
            RunEpoch();
            ValSchedule.Update(Epoch);
            if (Runner.ValLoop is { } valLoop && ValSchedule.ShouldValidate(Epoch, MaxEpochs)) valLoop.Run();
        }
        Runner.CallHooks.AfterTrain();
    }

    private void RunEpoch()
    {
        Runner.CallHooks.BeforeTrainEpoch();
        Runner.Model.train();
        var skip = SkipBatches;
        SkipBatches = 0;
        var batchIdx = skip;
        using (var batches = Dataloader.Iterate(skip).GetEnumerator())
        {
            while (true)
            {
                // One dispose scope per iteration: the batch, the forward graph and every temporary die with it.
                using var scope = NewDisposeScope();
                if (!batches.MoveNext()) break;
                using var batch = batches.Current;
                RunIter(batchIdx++, batch);
            }
        }
        Runner.CallHooks.AfterTrainEpoch();
        Epoch++;
    }
}
