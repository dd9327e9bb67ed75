using Runner.Sdk.Registries;
using Runner.Sdk.Running;

namespace Runner.Sdk.Hooks;

/// <summary>Tells the train sampler the epoch before each epoch, so its shuffle differs per epoch yet is reproducible (MMEngine's <c>DistSamplerSeedHook</c>).</summary>
[Register]
internal sealed class DistSamplerSeedHook : Hook
{
    public override void BeforeTrainEpoch(TrainingRunner runner)
    {
        // The iteration-based loop seeds each pass over the data itself.
        if (runner.TrainLoop is not Running.Loops.IterBasedTrainLoop) runner.TrainLoop!.Dataloader.Sampler.SetEpoch(runner.Epoch);
    }
}
