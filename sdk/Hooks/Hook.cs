namespace Runner.Sdk.Hooks;

using System.Reflection;
using Runner.Sdk.Checkpoints;
using Runner.Sdk.Data;
using Runner.Sdk.Running;

/// <summary>
/// The base of every hook (MMEngine's <c>Hook</c>): one no-op virtual method per hook point. The per-mode points
/// (train/val/test epoch and iteration) also forward to <see cref="BeforeEpoch"/>, <see cref="AfterEpoch"/>,
/// <see cref="BeforeIter"/> and <see cref="AfterIter"/> with the mode, so a hook usually overrides one or two methods.
/// </summary>
[global::Runner.Sdk.Registries.ComponentKind("hook", 7)]
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

    public virtual void BeforeRun(Runner runner) { }

    public virtual void AfterLoadCheckpoint(Runner runner, Checkpoint checkpoint) { }

    public virtual void BeforeTrain(Runner runner) { }

    public virtual void BeforeTrainEpoch(Runner runner) => BeforeEpoch(runner, "train");

    public virtual void BeforeTrainIter(Runner runner, int batchIdx, DataBatch dataBatch) => BeforeIter(runner, batchIdx, dataBatch, "train");

    /// <param name="outputs">The values <c>TrainStep</c> logged (losses).</param>
    public virtual void AfterTrainIter(Runner runner, int batchIdx, DataBatch dataBatch, IReadOnlyDictionary<string, double> outputs) =>
        AfterIter(runner, batchIdx, dataBatch, "train");

    public virtual void AfterTrainEpoch(Runner runner) => AfterEpoch(runner, "train");

    public virtual void BeforeVal(Runner runner) { }

    public virtual void BeforeValEpoch(Runner runner) => BeforeEpoch(runner, "val");

    public virtual void BeforeValIter(Runner runner, int batchIdx, DataBatch dataBatch) => BeforeIter(runner, batchIdx, dataBatch, "val");

    /// <param name="outputs">The predictions of <c>ValStep</c>.</param>
    public virtual void AfterValIter(Runner runner, int batchIdx, DataBatch dataBatch, DataBatch outputs) =>
        AfterIter(runner, batchIdx, dataBatch, "val");

    public virtual void AfterValEpoch(Runner runner, IReadOnlyDictionary<string, double>? metrics) => AfterEpoch(runner, "val");

    public virtual void AfterVal(Runner runner) { }

    /// <summary>Runs before a checkpoint is written; may add to it.</summary>
    public virtual void BeforeSaveCheckpoint(Runner runner, Checkpoint checkpoint) { }

    public virtual void AfterTrain(Runner runner) { }

    public virtual void BeforeTest(Runner runner) { }

    public virtual void BeforeTestEpoch(Runner runner) => BeforeEpoch(runner, "test");

    public virtual void BeforeTestIter(Runner runner, int batchIdx, DataBatch dataBatch) => BeforeIter(runner, batchIdx, dataBatch, "test");

    public virtual void AfterTestIter(Runner runner, int batchIdx, DataBatch dataBatch, DataBatch outputs) =>
        AfterIter(runner, batchIdx, dataBatch, "test");

    public virtual void AfterTestEpoch(Runner runner, IReadOnlyDictionary<string, double>? metrics) => AfterEpoch(runner, "test");

    public virtual void AfterTest(Runner runner) { }

    public virtual void AfterRun(Runner runner) { }

    /// <summary>Called at the start of every train, val and test epoch.</summary>
    protected virtual void BeforeEpoch(Runner runner, string mode) { }

    protected virtual void AfterEpoch(Runner runner, string mode) { }

    protected virtual void BeforeIter(Runner runner, int batchIdx, DataBatch dataBatch, string mode) { }

    protected virtual void AfterIter(Runner runner, int batchIdx, DataBatch dataBatch, string mode) { }

    /// <summary>Whether the epoch just finished is a multiple of <paramref name="n"/> (counting from <paramref name="start"/>).</summary>
    protected static bool EveryNEpochs(Runner runner, int n, int start = 0)
    {
        var done = runner.Epoch + 1 - start;
        return n > 0 && done >= 0 && done % n == 0;
    }

    protected static bool EveryNTrainIters(Runner runner, int n, int start = 0)
    {
        var done = runner.Iter + 1 - start;
        return n > 0 && done >= 0 && done % n == 0;
    }

    protected static bool EveryNInnerIters(int batchIdx, int n) => n > 0 && (batchIdx + 1) % n == 0;

    protected static bool EndOfEpoch(DataLoader dataloader, int batchIdx) => batchIdx + 1 == dataloader.Count;

    protected static bool IsLastTrainEpoch(Runner runner) => runner.Epoch + 1 == runner.MaxEpochs;

    protected static bool IsLastTrainIter(Runner runner) => runner.Iter + 1 == runner.MaxIters;

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
