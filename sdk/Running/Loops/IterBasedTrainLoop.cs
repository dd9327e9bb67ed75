using System.ComponentModel.DataAnnotations;
using Runner.Sdk.Data;
using Runner.Sdk.Registries;
using static TorchSharp.torch;

namespace Runner.Sdk.Running.Loops;

/// <summary>
/// Trains for <c>max_iters</c> iterations, going over the dataloader as many times as needed, and validates after
/// iteration <c>val_begin</c>, every <c>val_interval</c> iterations (changed by <c>dynamic_intervals</c>), and at the
/// end (MMEngine's <c>IterBasedTrainLoop</c>: the epoch stays 0, <c>batch_idx</c> is the global iteration, and the
/// epoch hooks run once). Each pass over the data is shuffled with the sampler seeded by the pass number, so a resume
/// continues in the middle of a pass without loading the batches it skips (MMEngine reloads them).
/// </summary>
[Register]
public sealed class IterBasedTrainLoop : BaseTrainLoop
{
    private bool _warnedRestart;

    /// <param name="maxIters">Iterations to train.</param>
    /// <param name="valBegin">The first iteration after which to validate.</param>
    /// <param name="valInterval">Validate every this many iterations.</param>
    /// <param name="dynamicIntervals">[[iteration, interval], …]: from each iteration on, validate at that interval.</param>
    public IterBasedTrainLoop(TrainingRunner runner, DataLoader dataloader, [Range(1, int.MaxValue)] int maxIters, int valBegin = 1, [Range(1, int.MaxValue)] int valInterval = 1000, int[][]? dynamicIntervals = null)
        : base(runner, dataloader)
    {
        if (maxIters < 1) throw new ArgumentException($"max_iters must be at least 1, got {maxIters}.");
        dataloader.RequireBatches("train");
        MaxIters = maxIters;
        ValSchedule = new ValIntervalSchedule(valBegin, valInterval, dynamicIntervals);
    }

    /// <summary>1, for compatibility (MMEngine's value).</summary>
    public override int MaxEpochs => 1;

    /// <inheritdoc/>
    public override int MaxIters { get; }

    /// <summary>When the loop validates.</summary>
    public ValIntervalSchedule ValSchedule { get; }

    /// <inheritdoc/>
    public override void Run()
    {
        Runner.CallHooks.BeforeTrain();
        Runner.CallHooks.BeforeTrainEpoch();
        if (Iter > 0) Runner.Logger.Info($"Advance the data to iteration {Iter} (pass {Iter / Dataloader.Count}, batch {Iter % Dataloader.Count}) without loading the skipped batches.");
        while (Iter < MaxIters && !StopTraining)
        {
            var pass = Iter / Dataloader.Count;
            var skip = Iter % Dataloader.Count;
            if (pass > 0 && skip == 0 && !_warnedRestart)
            {
                Runner.Logger.Warn("Reached the end of the dataloader: it restarts (reshuffled for the new pass) and training continues.");
                _warnedRestart = true;
            }
            Dataloader.Sampler.SetEpoch(pass);
            using var batches = Dataloader.Iterate(skip).GetEnumerator();
            while (Iter < MaxIters && !StopTraining)
            {
                using var scope = NewDisposeScope();
                if (!batches.MoveNext()) break;
                using var batch = batches.Current;
                // Validation in between switches the model to eval mode.
                Runner.Model.train();
                RunIter(Iter, batch);
                ValSchedule.Update(Iter);
                if (Runner.ValLoop is { } valLoop && ValSchedule.ShouldValidate(Iter, MaxIters)) valLoop.Run();
            }
        }
        Runner.CallHooks.AfterTrainEpoch();
        Runner.CallHooks.AfterTrain();
    }
}
