using System.Reflection;
using Runner.Sdk.Checkpoints;
using Runner.Sdk.Data;
using Runner.Sdk.Registries;
using Runner.Sdk.Running;

namespace Runner.Sdk.Hooks;

/// <summary>
/// The base of every hook (MMEngine's <c>Hook</c>): one no-op virtual method per hook point. The per-mode points
/// (train/val/test epoch and iteration) also forward to <see cref="BeforeEpoch"/>, <see cref="AfterEpoch"/>,
/// <see cref="BeforeIter"/> and <see cref="AfterIter"/> with the mode, so a hook usually overrides one or two methods.
/// </summary>
[ComponentKind("hook", 7)]
public abstract class Hook
{
    private Priority? _priority;

    /// <summary>When the hook runs relative to others at the same point; from the config's <c>priority</c>, else the class default.</summary>
    public Priority Priority
    {
        get => _priority ?? DefaultPriority;
        set => _priority = value;
    }

    /// <summary>The priority of this hook class when the config sets none.</summary>
    protected virtual Priority DefaultPriority => Priority.Normal;

    /// <summary>Called once when a run (train, val or test) starts, before anything else.</summary>
    public virtual void BeforeRun(TrainingRunner runner) { }

    /// <summary>Called after a checkpoint was loaded (resume or <c>load_from</c>); may read what <see cref="BeforeSaveCheckpoint"/> added.</summary>
    public virtual void AfterLoadCheckpoint(TrainingRunner runner, Checkpoint checkpoint) { }

    /// <summary>Called before the train loop's first epoch or iteration.</summary>
    public virtual void BeforeTrain(TrainingRunner runner) { }

    /// <summary>Called before each train epoch (also once for an iteration-based loop); forwards to <see cref="BeforeEpoch"/>.</summary>
    public virtual void BeforeTrainEpoch(TrainingRunner runner) => BeforeEpoch(runner, Mode.Train);

    /// <summary>Called before each train iteration; forwards to <see cref="BeforeIter"/>.</summary>
    /// <param name="runner">The runner.</param>
    /// <param name="batchIdx">The batch's index in the epoch.</param>
    /// <param name="dataBatch">The batch, as the dataloader made it.</param>
    public virtual void BeforeTrainIter(TrainingRunner runner, int batchIdx, DataBatch dataBatch) => BeforeIter(runner, batchIdx, dataBatch, Mode.Train);

    /// <summary>Called after each train iteration; forwards to <see cref="AfterIter"/>.</summary>
    /// <param name="runner">The runner.</param>
    /// <param name="batchIdx">The batch's index in the epoch.</param>
    /// <param name="dataBatch">The batch.</param>
    /// <param name="outputs">The values <c>TrainStep</c> logged (losses).</param>
    /// <example><code>
    /// public override void AfterTrainIter(TrainingRunner runner, int batchIdx, DataBatch dataBatch, IReadOnlyDictionary&lt;string, double&gt; outputs)
    /// {
    ///     if (EveryNTrainIters(runner, 100)) runner.Logger.Info($"loss {outputs["loss"]:0.000}");
    /// }
    /// </code></example>
    public virtual void AfterTrainIter(TrainingRunner runner, int batchIdx, DataBatch dataBatch, IReadOnlyDictionary<string, double> outputs) =>
        AfterIter(runner, batchIdx, dataBatch, Mode.Train);

    /// <summary>Called after each train epoch; forwards to <see cref="AfterEpoch"/>.</summary>
    public virtual void AfterTrainEpoch(TrainingRunner runner) => AfterEpoch(runner, Mode.Train);

    /// <summary>Called before the val loop runs.</summary>
    public virtual void BeforeVal(TrainingRunner runner) { }

    /// <summary>Called before the val loop's pass over its data; forwards to <see cref="BeforeEpoch"/>.</summary>
    public virtual void BeforeValEpoch(TrainingRunner runner) => BeforeEpoch(runner, Mode.Val);

    /// <summary>Called before each val iteration; forwards to <see cref="BeforeIter"/>.</summary>
    public virtual void BeforeValIter(TrainingRunner runner, int batchIdx, DataBatch dataBatch) => BeforeIter(runner, batchIdx, dataBatch, Mode.Val);

    /// <summary>Called after each val iteration; forwards to <see cref="AfterIter"/>.</summary>
    /// <param name="runner">The runner.</param>
    /// <param name="batchIdx">The batch's index.</param>
    /// <param name="dataBatch">The batch.</param>
    /// <param name="outputs">The predictions of <c>ValStep</c>.</param>
    public virtual void AfterValIter(TrainingRunner runner, int batchIdx, DataBatch dataBatch, DataBatch outputs) =>
        AfterIter(runner, batchIdx, dataBatch, Mode.Val);

    /// <summary>Called after the val loop's pass, with the metrics computed (null when the loop has no evaluator); forwards to <see cref="AfterEpoch"/>.</summary>
    public virtual void AfterValEpoch(TrainingRunner runner, IReadOnlyDictionary<string, double>? metrics) => AfterEpoch(runner, Mode.Val);

    /// <summary>Called after the val loop ran.</summary>
    public virtual void AfterVal(TrainingRunner runner) { }

    /// <summary>Runs before a checkpoint is written; may add to it.</summary>
    public virtual void BeforeSaveCheckpoint(TrainingRunner runner, Checkpoint checkpoint) { }

    /// <summary>Called after the train loop ended (its last epoch, or a stop).</summary>
    public virtual void AfterTrain(TrainingRunner runner) { }

    /// <summary>Called before the test loop runs.</summary>
    public virtual void BeforeTest(TrainingRunner runner) { }

    /// <summary>Called before the test loop's pass over its data; forwards to <see cref="BeforeEpoch"/>.</summary>
    public virtual void BeforeTestEpoch(TrainingRunner runner) => BeforeEpoch(runner, Mode.Test);

    /// <summary>Called before each test iteration; forwards to <see cref="BeforeIter"/>.</summary>
    public virtual void BeforeTestIter(TrainingRunner runner, int batchIdx, DataBatch dataBatch) => BeforeIter(runner, batchIdx, dataBatch, Mode.Test);

    /// <summary>Called after each test iteration; forwards to <see cref="AfterIter"/>.</summary>
    /// <param name="runner">The runner.</param>
    /// <param name="batchIdx">The batch's index.</param>
    /// <param name="dataBatch">The batch.</param>
    /// <param name="outputs">The predictions of <c>TestStep</c>.</param>
    public virtual void AfterTestIter(TrainingRunner runner, int batchIdx, DataBatch dataBatch, DataBatch outputs) =>
        AfterIter(runner, batchIdx, dataBatch, Mode.Test);

    /// <summary>Called after the test loop's pass, with the metrics computed; forwards to <see cref="AfterEpoch"/>.</summary>
    public virtual void AfterTestEpoch(TrainingRunner runner, IReadOnlyDictionary<string, double>? metrics) => AfterEpoch(runner, Mode.Test);

    /// <summary>Called after the test loop ran.</summary>
    public virtual void AfterTest(TrainingRunner runner) { }

    /// <summary>Called once when the run ends, after everything else (also after a failure or a stop).</summary>
    public virtual void AfterRun(TrainingRunner runner) { }

    /// <summary>Called at the start of every train, val and test epoch.</summary>
    protected virtual void BeforeEpoch(TrainingRunner runner, Mode mode) { }

    /// <summary>Called at the end of every train, val and test epoch.</summary>
    protected virtual void AfterEpoch(TrainingRunner runner, Mode mode) { }

    /// <summary>Called before every train, val and test iteration.</summary>
    protected virtual void BeforeIter(TrainingRunner runner, int batchIdx, DataBatch dataBatch, Mode mode) { }

    /// <summary>Called after every train, val and test iteration.</summary>
    protected virtual void AfterIter(TrainingRunner runner, int batchIdx, DataBatch dataBatch, Mode mode) { }

    /// <summary>Whether the epoch just finished is a multiple of <paramref name="n"/> (counting from <paramref name="start"/>).</summary>
    protected static bool EveryNEpochs(TrainingRunner runner, int n, int start = 0)
    {
        var done = runner.Epoch + 1 - start;
        return n > 0 && done >= 0 && done % n == 0;
    }

    /// <summary>Whether the train iteration just finished is a multiple of <paramref name="n"/> (counting from <paramref name="start"/>).</summary>
    protected static bool EveryNTrainIters(TrainingRunner runner, int n, int start = 0)
    {
        var done = runner.Iter + 1 - start;
        return n > 0 && done >= 0 && done % n == 0;
    }

    /// <summary>Whether the batch just finished is a multiple of <paramref name="n"/> within its epoch.</summary>
    protected static bool EveryNInnerIters(int batchIdx, int n) => n > 0 && (batchIdx + 1) % n == 0;

    /// <summary>Whether <paramref name="batchIdx"/> is the epoch's last batch.</summary>
    protected static bool EndOfEpoch(DataLoader dataloader, int batchIdx) => batchIdx + 1 == dataloader.Count;

    /// <summary>Whether the current train epoch is the last one.</summary>
    protected static bool IsLastTrainEpoch(TrainingRunner runner) => runner.Epoch + 1 == runner.MaxEpochs;

    /// <summary>Whether the current train iteration is the last one.</summary>
    protected static bool IsLastTrainIter(TrainingRunner runner) => runner.Iter + 1 == runner.MaxIters;

    /// <summary>
    /// State to carry over when this hook is hot-swapped for a new build of its plugin (plain data: numbers,
    /// strings, lists, maps); null when there is none. The new instance receives it in <see cref="LoadStateDict"/>.
    /// </summary>
    public virtual IReadOnlyDictionary<string, object?>? StateDict() => null;

    /// <summary>Takes over the state a previous build of this hook returned from <see cref="StateDict"/>.</summary>
    public virtual void LoadStateDict(IReadOnlyDictionary<string, object?> state) { }

    /// <summary>The hook points this class overrides (directly or through the per-mode helpers), in stage order.</summary>
    public IReadOnlyList<HookPoint> TriggeredStages() => TriggeredStages(GetType());

    /// <summary>The points a hook class overrides (directly, or through the per-mode epoch and iteration methods).</summary>
    public static IReadOnlyList<HookPoint> TriggeredStages(Type hookType)
    {
        var overridden = hookType
            .GetMethods(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            .Where(m => m.IsVirtual && m.DeclaringType != typeof(Hook) && m.GetBaseDefinition().DeclaringType == typeof(Hook))
            .Select(m => m.Name)
            .ToHashSet();
        var stages = new List<HookPoint>();
        foreach (var point in Enum.GetValues<HookPoint>()) // in stage order
        {
            var name = point.ToString();
            var helper = name switch
            {
                _ when name.StartsWith("Before", StringComparison.Ordinal) && name.EndsWith("Epoch", StringComparison.Ordinal) => "BeforeEpoch",
                _ when name.StartsWith("After", StringComparison.Ordinal) && name.EndsWith("Epoch", StringComparison.Ordinal) => "AfterEpoch",
                _ when name.StartsWith("Before", StringComparison.Ordinal) && name.EndsWith("Iter", StringComparison.Ordinal) => "BeforeIter",
                _ when name.StartsWith("After", StringComparison.Ordinal) && name.EndsWith("Iter", StringComparison.Ordinal) => "AfterIter",
                _ => null,
            };
            if (overridden.Contains(name) || (helper is not null && overridden.Contains(helper))) stages.Add(point);
        }
        return stages;
    }
}
