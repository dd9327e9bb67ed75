using Runner.Sdk.Data;
using Runner.Sdk.Registries;
using Runner.Sdk.Running;

namespace Runner.Sdk.Hooks;

/// <summary>
/// Keeps the message hub current (MMEngine's <c>RuntimeInfoHook</c>): epoch, iteration and run facts as runtime
/// information; the learning rate before each train iteration (<c>train/lr</c>); the step's logged values after it
/// (<c>train/loss</c>…); and the metrics after each val/test epoch (<c>val/accuracy/top1</c>…).
/// </summary>
[Register]
internal sealed class RuntimeInfoHook : Hook
{
    protected override Priority DefaultPriority => Priority.VeryHigh;

    public override void BeforeRun(TrainingRunner runner)
    {
        runner.MessageHub.UpdateInfo("experiment_name", runner.ExperimentName);
        runner.MessageHub.UpdateInfo("seed", runner.Seed);
        runner.MessageHub.UpdateInfo("runner_version", RunnerInfo.Version);
    }

    public override void BeforeTrain(TrainingRunner runner)
    {
        runner.MessageHub.UpdateInfo("loop_stage", "train");
        runner.MessageHub.UpdateInfo("epoch", runner.Epoch);
        runner.MessageHub.UpdateInfo("iter", runner.Iter);
        runner.MessageHub.UpdateInfo("max_epochs", runner.MaxEpochs);
        runner.MessageHub.UpdateInfo("max_iters", runner.MaxIters);
    }

    public override void BeforeTrainEpoch(TrainingRunner runner) => runner.MessageHub.UpdateInfo("epoch", runner.Epoch);

    public override void BeforeTrainIter(TrainingRunner runner, int batchIdx, DataBatch dataBatch)
    {
        runner.MessageHub.UpdateInfo("iter", runner.Iter);
        foreach (var (name, lr) in runner.OptimWrapper!.LrForLogging()) runner.MessageHub.UpdateScalar(_keys.Of(Mode.Train, name), lr);
    }

    public override void AfterTrainIter(TrainingRunner runner, int batchIdx, DataBatch dataBatch, IReadOnlyDictionary<string, double> outputs)
    {
        if (outputs is not null)
            foreach (var (key, value) in outputs) runner.MessageHub.UpdateScalar(_keys.Of(Mode.Train, key), value);
        if (runner.OptimWrapper?.LastGradNorm is { } norm) runner.MessageHub.UpdateScalar("train/grad_norm", norm);
    }

    private readonly ScalarKeys _keys = new();

    public override void BeforeVal(TrainingRunner runner) => runner.MessageHub.UpdateInfo("loop_stage", "val");

    public override void AfterVal(TrainingRunner runner) =>
        runner.MessageHub.UpdateInfo("loop_stage", runner.TrainLoopBuilt && runner.IsTraining ? "train" : null);

    public override void AfterValEpoch(TrainingRunner runner, IReadOnlyDictionary<string, double>? metrics)
    {
        if (metrics is not null)
            foreach (var (key, value) in metrics) runner.MessageHub.UpdateScalar("val/" + key, value);
    }

    public override void BeforeTest(TrainingRunner runner) => runner.MessageHub.UpdateInfo("loop_stage", "test");

    public override void AfterTestEpoch(TrainingRunner runner, IReadOnlyDictionary<string, double>? metrics)
    {
        if (metrics is not null)
            foreach (var (key, value) in metrics) runner.MessageHub.UpdateScalar("test/" + key, value);
    }

    public override void AfterTrain(TrainingRunner runner) => runner.MessageHub.RemoveInfo("loop_stage");

    public override void AfterTest(TrainingRunner runner) => runner.MessageHub.RemoveInfo("loop_stage");
}
