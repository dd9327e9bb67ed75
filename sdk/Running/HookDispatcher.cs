using Runner.Sdk.Checkpoints;
using Runner.Sdk.Data;
using Runner.Sdk.Hooks;

namespace Runner.Sdk.Running;

/// <summary>
/// Calls the registered hooks at each point, in priority order (ties in registration order), and turns a hook's
/// exception into a <see cref="HookException"/> naming the hook, its plugin, the point and the epoch/iteration.
/// </summary>
public sealed class HookDispatcher
{
    private readonly TrainingRunner _runner;
    private readonly List<Hook> _hooks = [];

    // For each point, the hooks that override it, in order: a point calls only those (most hooks override a few of
    // the 22 points, and the per-iteration ones run thousands of times).
    private Hook[][] _byPoint = NoHooks();

    internal HookDispatcher(TrainingRunner runner) => _runner = runner;

    /// <summary>The hooks in the order they run.</summary>
    public IReadOnlyList<Hook> Hooks => _hooks;

    /// <summary>Inserts after the last hook whose priority is not larger, so equal priorities keep registration order.</summary>
    public void Register(Hook hook)
    {
        var index = _hooks.FindLastIndex(h => (int)h.Priority <= (int)hook.Priority);
        _hooks.Insert(index + 1, hook);
        IndexByPoint();
    }

    /// <summary>Replaces a hook in place (hot swap), keeping its position.</summary>
    public void Replace(Hook old, Hook replacement)
    {
        var index = _hooks.IndexOf(old);
        if (index < 0) throw new ArgumentException("The hook to replace is not registered.");
        _hooks[index] = replacement;
        IndexByPoint();
        // Forget the old class, so nothing here keeps its (collectible) load context alive.
        foreach (var key in _customStages.Keys.Where(k => k.Item1 == old.GetType()).ToList()) _customStages.Remove(key);
    }

    /// <summary>Calls every hook's <see cref="Hook.BeforeRun"/>, in priority order.</summary>
    public void BeforeRun() => Each(HookPoint.BeforeRun, h => h.BeforeRun(_runner));

    /// <summary>Calls every hook's <see cref="Hook.AfterLoadCheckpoint"/>.</summary>
    public void AfterLoadCheckpoint(Checkpoint checkpoint) => Each(HookPoint.AfterLoadCheckpoint, h => h.AfterLoadCheckpoint(_runner, checkpoint));

    /// <summary>Calls every hook's <see cref="Hook.BeforeTrain"/>.</summary>
    public void BeforeTrain() => Each(HookPoint.BeforeTrain, h => h.BeforeTrain(_runner));

    /// <summary>Calls every hook's <see cref="Hook.BeforeTrainEpoch"/>.</summary>
    public void BeforeTrainEpoch() => Each(HookPoint.BeforeTrainEpoch, h => h.BeforeTrainEpoch(_runner));

    /// <summary>Calls every hook's <see cref="Hook.BeforeTrainIter"/>.</summary>
    public void BeforeTrainIter(int batchIdx, DataBatch batch) => Each(HookPoint.BeforeTrainIter, h => h.BeforeTrainIter(_runner, batchIdx, batch));

    /// <summary>Calls every hook's <see cref="Hook.AfterTrainIter"/>.</summary>
    public void AfterTrainIter(int batchIdx, DataBatch batch, IReadOnlyDictionary<string, double> outputs) =>
        Each(HookPoint.AfterTrainIter, h => h.AfterTrainIter(_runner, batchIdx, batch, outputs));

    /// <summary>Calls every hook's <see cref="Hook.AfterTrainEpoch"/>.</summary>
    public void AfterTrainEpoch() => Each(HookPoint.AfterTrainEpoch, h => h.AfterTrainEpoch(_runner));

    /// <summary>Calls every hook's <see cref="Hook.BeforeVal"/>.</summary>
    public void BeforeVal() => Each(HookPoint.BeforeVal, h => h.BeforeVal(_runner));

    /// <summary>Calls every hook's <see cref="Hook.BeforeValEpoch"/>.</summary>
    public void BeforeValEpoch() => Each(HookPoint.BeforeValEpoch, h => h.BeforeValEpoch(_runner));

    /// <summary>Calls every hook's <see cref="Hook.BeforeValIter"/>.</summary>
    public void BeforeValIter(int batchIdx, DataBatch batch) => Each(HookPoint.BeforeValIter, h => h.BeforeValIter(_runner, batchIdx, batch));

    /// <summary>Calls every hook's <see cref="Hook.AfterValIter"/>.</summary>
    public void AfterValIter(int batchIdx, DataBatch batch, DataBatch outputs) =>
        Each(HookPoint.AfterValIter, h => h.AfterValIter(_runner, batchIdx, batch, outputs));

    /// <summary>Calls every hook's <see cref="Hook.AfterValEpoch"/>.</summary>
    public void AfterValEpoch(IReadOnlyDictionary<string, double> metrics) => Each(HookPoint.AfterValEpoch, h => h.AfterValEpoch(_runner, metrics));

    /// <summary>Calls every hook's <see cref="Hook.AfterVal"/>.</summary>
    public void AfterVal() => Each(HookPoint.AfterVal, h => h.AfterVal(_runner));

    /// <summary>Calls every hook's <see cref="Hook.BeforeSaveCheckpoint"/>.</summary>
    public void BeforeSaveCheckpoint(Checkpoint checkpoint) => Each(HookPoint.BeforeSaveCheckpoint, h => h.BeforeSaveCheckpoint(_runner, checkpoint));

    /// <summary>Calls every hook's <see cref="Hook.AfterTrain"/>.</summary>
    public void AfterTrain() => Each(HookPoint.AfterTrain, h => h.AfterTrain(_runner));

    /// <summary>Calls every hook's <see cref="Hook.BeforeTest"/>.</summary>
    public void BeforeTest() => Each(HookPoint.BeforeTest, h => h.BeforeTest(_runner));

    /// <summary>Calls every hook's <see cref="Hook.BeforeTestEpoch"/>.</summary>
    public void BeforeTestEpoch() => Each(HookPoint.BeforeTestEpoch, h => h.BeforeTestEpoch(_runner));

    /// <summary>Calls every hook's <see cref="Hook.BeforeTestIter"/>.</summary>
    public void BeforeTestIter(int batchIdx, DataBatch batch) => Each(HookPoint.BeforeTestIter, h => h.BeforeTestIter(_runner, batchIdx, batch));

    /// <summary>Calls every hook's <see cref="Hook.AfterTestIter"/>.</summary>
    public void AfterTestIter(int batchIdx, DataBatch batch, DataBatch outputs) =>
        Each(HookPoint.AfterTestIter, h => h.AfterTestIter(_runner, batchIdx, batch, outputs));

    /// <summary>Calls every hook's <see cref="Hook.AfterTestEpoch"/>.</summary>
    public void AfterTestEpoch(IReadOnlyDictionary<string, double> metrics) => Each(HookPoint.AfterTestEpoch, h => h.AfterTestEpoch(_runner, metrics));

    /// <summary>Calls every hook's <see cref="Hook.AfterTest"/>.</summary>
    public void AfterTest() => Each(HookPoint.AfterTest, h => h.AfterTest(_runner));

    /// <summary>Calls every hook's <see cref="Hook.AfterRun"/>.</summary>
    public void AfterRun() => Each(HookPoint.AfterRun, h => h.AfterRun(_runner));

    /// <summary>
    /// Calls a stage that a custom loop defines (MMEngine's <c>call_hook("before_warmup_iter")</c>): every hook with a
    /// public method named after the stage in PascalCase (<c>BeforeWarmupIter</c>) taking <c>(Runner)</c> or
    /// <c>(Runner, IReadOnlyDictionary&lt;string, object?&gt;)</c> is called, in priority order.
    /// </summary>
    public void Custom(string stage, IReadOnlyDictionary<string, object?>? arguments = null)
    {
        var name = string.Concat(stage.Split('_', StringSplitOptions.RemoveEmptyEntries).Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
        arguments ??= new Dictionary<string, object?>();
        for (var i = 0; i < _hooks.Count; i++)
        {
            var hook = _hooks[i];
            var method = CustomStageMethod(hook.GetType(), name);
            if (method is null) continue;
            try
            {
                method.Invoke(hook, method.GetParameters().Length == 1 ? [_runner] : [_runner, arguments]);
            }
            catch (System.Reflection.TargetInvocationException e) when (e.InnerException is RunnerException inner)
            {
                // Already a Runner error (a stop request, a config problem): passed on as it is, stack trace kept.
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(inner).Throw();
            }
            catch (System.Reflection.TargetInvocationException e) when (e.InnerException is { } inner)
            {
                throw HookException.Failed(hook, stage, _runner.Epoch, _runner.Iter, inner);
            }
        }
    }

    private readonly Dictionary<(Type, string), System.Reflection.MethodInfo?> _customStages = [];

    private System.Reflection.MethodInfo? CustomStageMethod(Type type, string name)
    {
        if (_customStages.TryGetValue((type, name), out var cached)) return cached;
        var method = type.GetMethods(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance)
            .FirstOrDefault(m => m.Name == name && m.ReturnType == typeof(void) && m.GetParameters() is var p
                && p.Length is 1 or 2 && p[0].ParameterType == typeof(TrainingRunner)
                && (p.Length == 1 || p[1].ParameterType == typeof(IReadOnlyDictionary<string, object?>)));
        return _customStages[(type, name)] = method;
    }

    private static Hook[][] NoHooks() => Enum.GetValues<HookPoint>().Select(_ => Array.Empty<Hook>()).ToArray();

    private void IndexByPoint()
    {
        var overrides = _hooks.Select(h => OverriddenPoints(h.GetType())).ToList();
        var byPoint = NoHooks();
        for (var point = 0; point < byPoint.Length; point++)
            byPoint[point] = _hooks.Where((_, i) => overrides[i][point]).ToArray();
        _byPoint = byPoint;
    }

    // Reflection, once per hook class (weakly keyed: a hot-swapped plugin's classes can still be unloaded): for each
    // point, by its number, whether the class overrides it.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Type, bool[]> Overrides = [];

    private static bool[] OverriddenPoints(Type type) => Overrides.GetValue(type, _ =>
    {
        var points = new bool[Enum.GetValues<HookPoint>().Length];
        foreach (var point in Hook.TriggeredStages(type)) points[(int)point] = true;
        return points;
    });

    private void Each(HookPoint point, Action<Hook> call)
    {
        // A plain loop over an array: this runs several times per iteration, so no enumerator or LINQ allocations.
        var hooks = _byPoint[(int)point];
        for (var i = 0; i < hooks.Length; i++)
        {
            var hook = hooks[i];
            try
            {
                call(hook);
            }
            catch (Exception e) when (e is not RunnerException and not OperationCanceledException)
            {
                throw HookException.Failed(hook, point, _runner.Epoch, _runner.Iter, e);
            }
        }
    }

    /// <summary>MMEngine's "Hooks will be executed in the following order" table.</summary>
    public string DescribeOrder()
    {
        var text = new System.Text.StringBuilder("Hooks will be executed in the following order:");
        foreach (var point in Enum.GetValues<HookPoint>())
        {
            var triggered = _byPoint[(int)point];
            if (triggered.Length == 0) continue;
            text.Append('\n').Append(ToSnake(point)).Append(':');
            foreach (var hook in triggered)
                text.Append('\n').Append($"({PriorityName(hook.Priority),-12}) {hook.GetType().Name,-35}");
            text.Append("\n -------------------- ");
        }
        return text.ToString();
    }

    private static string PriorityName(Priority priority) =>
        Enum.IsDefined(priority) ? Registries.ComponentBuilder.SnakeCase(priority.ToString()).ToUpperInvariant() : ((int)priority).ToString();

    private static string ToSnake(HookPoint point) => Registries.ComponentBuilder.SnakeCase(point.ToString());
}
