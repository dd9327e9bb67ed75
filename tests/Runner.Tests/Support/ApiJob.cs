using Runner.Sdk.Checkpoints;
using Runner.Sdk.Configuration;
using Runner.Sdk.Data;
using Runner.Sdk.Hooks;
using Runner.Sdk.Registries;
using Runner.Sdk.Running;

namespace Runner.Tests.Support;

/// <summary>
/// The runner tests' small job driven from C# (MMEngine's RunnerTestCase): the tiny dataset in batches of 3, SGD, two
/// epochs with validation, and a hook that counts every call. Tests set the model and change what they look at.
/// </summary>
public static class ApiJob
{
    /// <summary>A registry with the tiny dataset, under the scope "tests".</summary>
    public static RegistryRoot Registries()
    {
        var registries = new RegistryRoot();
        registries.Register(typeof(TwelveSamples), new RegisterAttribute(), "tests", "tests");
        return registries;
    }

    /// <summary>The job's config, writing to <paramref name="workDir"/>; it has no model: tests set one.</summary>
    public static ConfigTable Config(string workDir) => ConfigLoader.Parse($$"""
        default_scope = "tests"
        work_dir = "{{workDir}}"
        randomness = { seed = 1 }
        train_cfg = { max_epochs = 2 }
        val_cfg = {}
        optim_wrapper = { optimizer = { type = "SGD", lr = 0.1 } }
        val_evaluator = { metrics = [{ type = "Accuracy" }] }
        log_processor = { window_size = 5 }
        default_hooks = { logger = { interval = 1 } }
        [train_dataloader]
        batch_size = 3
        dataset = { type = "TwelveSamples" }
        sampler = { type = "DefaultSampler", shuffle = true }
        [val_dataloader]
        batch_size = 3
        dataset = { type = "TwelveSamples" }
        """, "api.toml");
}

/// <summary>Counts every hook call and records the counters it saw.</summary>
public sealed class CountingHook : Hook
{
    public Dictionary<string, int> Calls { get; } = [];

    public List<(string Point, int Epoch, int Iter, int BatchIdx)> Seen { get; } = [];

    private void Count(string point, TrainingRunner runner, int batchIdx = -1)
    {
        Calls[point] = Calls.GetValueOrDefault(point) + 1;
        Seen.Add((point, runner.Epoch, runner.Iter, batchIdx));
    }

    public override void BeforeRun(TrainingRunner runner) => Count("before_run", runner);

    public override void BeforeTrain(TrainingRunner runner) => Count("before_train", runner);

    public override void BeforeTrainEpoch(TrainingRunner runner) => Count("before_train_epoch", runner);

    public override void BeforeTrainIter(TrainingRunner runner, int batchIdx, DataBatch dataBatch) => Count("before_train_iter", runner, batchIdx);

    public override void AfterTrainEpoch(TrainingRunner runner) => Count("after_train_epoch", runner);

    public override void BeforeValEpoch(TrainingRunner runner) => Count("before_val_epoch", runner);

    public override void BeforeValIter(TrainingRunner runner, int batchIdx, DataBatch dataBatch) => Count("before_val_iter", runner, batchIdx);

    public override void AfterValEpoch(TrainingRunner runner, IReadOnlyDictionary<string, double>? metrics) => Count("after_val_epoch", runner);

    public override void BeforeSaveCheckpoint(TrainingRunner runner, Checkpoint checkpoint) => Count("before_save_checkpoint", runner);

    public override void AfterRun(TrainingRunner runner) => Count("after_run", runner);
}
