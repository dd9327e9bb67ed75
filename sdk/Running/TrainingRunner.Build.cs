using Runner.Sdk.Configuration;
using Runner.Sdk.Data;
using Runner.Sdk.Evaluation;
using Runner.Sdk.Hooks;
using Runner.Sdk.Optim;
using Runner.Sdk.Optim.Schedulers;
using Runner.Sdk.Registries;
using Runner.Sdk.Running.Loops;

namespace Runner.Sdk.Running;

/// <summary>The parts the runner builds lazily: loops with their dataloaders and evaluators, the optimizer wrapper, the schedulers, the hooks.</summary>
public sealed partial class TrainingRunner
{
    private BaseTrainLoop? _trainLoop;
    private ValLoop? _valLoop;
    private TestLoop? _testLoop;

    /// <summary>The train loop, built (with its dataloader) on first use; null when the config has no <c>train_cfg</c>.</summary>
    public BaseTrainLoop? TrainLoop => _trainLoop ??= _settings.LoopTable(Running.Mode.Train) is { } cfg ? BuildTrainLoop(cfg) : null;

    /// <summary>The validation loop, built on first use; null when the config has no <c>val_cfg</c>.</summary>
    public ValLoop? ValLoop => _valLoop ??= _settings.LoopTable(Running.Mode.Val) is { } cfg ? BuildEvalLoop<ValLoop>(cfg, "val") : null;

    /// <summary>The test loop, built on first use; null when the config has no <c>test_cfg</c>.</summary>
    public TestLoop? TestLoop => _testLoop ??= _settings.LoopTable(Running.Mode.Test) is { } cfg ? BuildEvalLoop<TestLoop>(cfg, "test") : null;

    private BaseTrainLoop BuildTrainLoop(ConfigTable cfg)
    {
        var dataloader = _settings.GivenTrainDataloader ?? BuildDataLoader(DataLoaderPart.Tables(_cfg, "train_dataloader")![0].Table);
        return TrainLoopPart.Decode(BuilderWith(this, dataloader), cfg)!;
    }

    private TLoop BuildEvalLoop<TLoop>(ConfigTable cfg, string mode) where TLoop : BaseLoop
    {
        var key = mode + "_dataloader";
        var sets = _cfg[key] is DataLoader ? [] : DataLoaderPart.Tables(_cfg, key) ?? throw ConfigException.At(_cfg.Location, key, $"the {mode} loop needs {key}.");
        var dataloader = _cfg[key] as DataLoader ?? BuildDataLoader(sets[0].Table);
        var evaluator = BuildEvaluator(mode + "_evaluator");
        var loop = EvalLoopPart<TLoop>.Decode(BuilderWith(this, dataloader, evaluator), cfg)!;
        if (sets.Count > 0 && sets[0].Name is { } first)
        {
            if (loop is not EvaluationLoop evaluation)
                throw ConfigException.At(_cfg.LocationOf(key), key, $"{loop.GetType().Name} cannot evaluate several named sets.");
            evaluation.UseNamedSets(first, sets.Skip(1).Select(n => (n.Name!, BuildDataLoader(n.Table), BuildEvaluator(mode + "_evaluator"))));
        }
        return loop;
    }

    private ComponentBuilder BuilderWith(params object[] services)
    {
        var builder = new ComponentBuilder(Registries, DefaultScope);
        builder.Services.AddRange(services);
        return builder;
    }

    private DataLoader BuildDataLoader(ConfigTable dataloader)
    {
        var loader = DataLoaderPart.Decode(_builder, dataloader, Seed, World)!;
        if (loader.PinMemory && !loader.PinsMemory)
            Logger.Warn($"{dataloader.Path}.pin_memory has no effect: there is no CUDA device (page-locked memory only speeds up copies to a GPU).");
        return loader;
    }

    /// <summary>The evaluator of <paramref name="key"/>; its metrics may take the <see cref="Visualization.VisContext"/> to write figures (a confusion matrix) beside the vis records.</summary>
    private Evaluator BuildEvaluator(string key) => EvaluatorPart.Decode(BuilderWith(VisContext), _cfg, key)!;

    private OptimWrapper BuildOptimWrapper() => OptimWrapperPart.Decode(BuilderWith(_builder), _cfg, Model)!;

    /// <summary>
    /// The schedulers: a table or list is built for the optimizer wrapper (for each wrapper of a dict); a table
    /// without <c>type</c> is keyed by wrapper name, each value a scheduler table or a list of them.
    /// </summary>
    private List<ParamScheduler> BuildParamSchedulers(BaseTrainLoop loop)
    {
        var schedulers = new List<(ParamScheduler Scheduler, string Path)>();
        foreach (var (name, wrapper) in OptimWrapper!.NamedWrappers())
            schedulers.AddRange(ParamSchedulerPart.DecodeWithPaths(BuilderWith(wrapper), _cfg, name));
        foreach (var (scheduler, path) in schedulers)
        {
            scheduler.Prepare(loop.Dataloader.Count, scheduler.ByEpoch && !scheduler.ConvertToIterBased ? loop.MaxEpochs : loop.MaxIters);
            if (scheduler.End <= scheduler.Begin)
            {
                var unit = scheduler.ByEpoch ? "epoch" : "iteration";
                Logger.Warn($"{path}: {scheduler.GetType().Name} begins at {unit} {scheduler.Begin}, and training ends at {unit} {scheduler.End}: it never changes {scheduler.ParamName}.");
            }
        }
        return schedulers.Select(s => s.Scheduler).ToList();
    }

    /// <summary><c>auto_scale_lr</c>: scales every learning rate by the real batch size over <c>base_batch_size</c>.</summary>
    private void ScaleLr(BaseTrainLoop loop)
    {
        if (_settings.AutoScaleLr is not { Enable: true } settings) return;
        var realBatchSize = loop.Dataloader.BatchSize * World.WorldSize; // the batch of one step, over all ranks
        var ratio = (double)realBatchSize / settings.BaseBatchSize;
        foreach (var (_, wrapper) in OptimWrapper!.NamedWrappers())
        {
            foreach (var group in wrapper.Optimizer.ParamGroups)
            {
                group.LearningRate *= ratio;
                group.InitialLearningRate = group.LearningRate;
            }
        }
        Logger.Info($"LR is set based on batch size of {settings.BaseBatchSize} and the current batch size is {realBatchSize}" +
            (World.WorldSize > 1 ? $" ({loop.Dataloader.BatchSize} × {World.WorldSize} ranks). " : ". ") +
            $"Scaling the original LR by {ratio}.");
    }

    /// <summary>The config table each hook was built from, so a hot swap can build its successor the same way.</summary>
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<Hook, ConfigTable> _hookConfigs = new();

    /// <summary>
    /// The config table <paramref name="hook"/> was built from; null for a hook registered as an instance. With
    /// <see cref="BuildHook"/> and <see cref="HookDispatcher.Replace"/>, what a host needs to swap a hook for a new build
    /// of it during a run (runner-host's <c>--watch</c>).
    /// </summary>
    public ConfigTable? ConfigOf(Hook hook) => _hookConfigs.TryGetValue(hook, out var table) ? table : null;

    /// <summary>
    /// Builds a hook from a config table, resolving its <c>type</c> in the registries as they are now (after a
    /// plugin was reloaded, its new build); the table is remembered for <see cref="ConfigOf"/>.
    /// </summary>
    /// <example><code>
    /// var successor = runner.BuildHook(runner.ConfigOf(oldHook)!);
    /// runner.CallHooks.Replace(oldHook, successor); // at a safe point: between iterations
    /// </code></example>
    public Hook BuildHook(ConfigTable table)
    {
        var hook = _builder.Build<Hook>(table)!;
        _hookConfigs.AddOrUpdate(hook, table);
        return hook;
    }

    /// <summary>The hooks the config asks for (see <see cref="HooksPart"/>), built and registered in order.</summary>
    private void RegisterHooks()
    {
        foreach (var (instance, table) in HooksPart.Entries(_cfg, WithIterDefault))
            CallHooks.Register(instance ?? BuildHook(table!));
    }

    /// <summary>
    /// Builds every part the config describes — train loop and dataloader, optimizer wrapper, schedulers, val and
    /// test loops — without running anything (<c>runner-host config validate</c>). Returns the problems found, one
    /// per part.
    /// </summary>
    public IReadOnlyList<RunnerException> BuildAll()
    {
        var problems = new List<RunnerException>();
        void Part(Action build)
        {
            try
            {
                build();
            }
            catch (RunnerException e)
            {
                problems.Add(e);
            }
        }
        Part(() =>
        {
            if (TrainLoop is not { } loop) return;
            OptimWrapper = BuildOptimWrapper();
            ParamSchedulers = BuildParamSchedulers(loop);
        });
        Part(() => _ = ValLoop);
        Part(() => _ = TestLoop);
        return problems;
    }
}
