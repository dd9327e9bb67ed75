namespace Runner.Sdk.Hooks;

using Runner.Sdk.Registries;
using Runner.Sdk.Running;

/// <summary>Tells the train sampler the epoch before each epoch, so its shuffle differs per epoch yet is reproducible (MMEngine's <c>DistSamplerSeedHook</c>).</summary>
[Register]
public sealed class DistSamplerSeedHook : Hook
{
    public override void BeforeTrainEpoch(Runner runner) => runner.TrainLoop!.Dataloader.Sampler.SetEpoch(runner.Epoch);
}
