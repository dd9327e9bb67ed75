using Runner.Sdk.Distributed;
using Runner.Sdk.Registries;
using Runner.Sdk.Running;

namespace Runner.Sdk.Hooks;

/// <summary>
/// Averages the model's floating-point buffers (BatchNorm's running mean and variance) over the ranks after each
/// train epoch, and before a validation inside an iteration-based run (MMEngine's <c>SyncBuffersHook</c>): each rank's
/// statistics saw only its share of the data, and validation and checkpoints should see the whole. One process: nothing to do.
/// </summary>
[Register]
internal sealed class SyncBuffersHook : Hook
{
    public override void AfterTrainEpoch(TrainingRunner runner) => Sync(runner);

    public override void BeforeValEpoch(TrainingRunner runner)
    {
        // An epoch-based run synchronised after its epoch; an iteration-based one validates in the middle of its one epoch.
        if (runner.IsTraining && runner.TrainsByIteration) Sync(runner);
    }

    private static void Sync(TrainingRunner runner)
    {
        if (runner.World.WorldSize == 1) return;
        DataParallel.AverageBuffers(runner.World, runner.Model);
    }
}
