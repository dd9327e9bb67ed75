namespace Runner.Sdk.Running;

using global::Runner.Sdk.Configuration;
using global::Runner.Sdk.Data;
using global::Runner.Sdk.Evaluation;
using global::Runner.Sdk.Hooks;
using global::Runner.Sdk.Optim;
using global::Runner.Sdk.Optim.Schedulers;
using global::Runner.Sdk.Registries;
using global::Runner.Sdk.Running.Loops;

/// <summary>The parts the runner builds lazily: loops with their dataloaders and evaluators, the optimizer wrapper, the schedulers, the hooks.</summary>
public sealed partial class Runner
{
    /// <summary>The six default hooks in MMEngine's order, with their default options.</summary>
    internal static readonly (string Name, string Type, string? Options)[] DefaultHooks =
    [
        ("runtime_info", nameof(RuntimeInfoHook), null),
        ("timer", nameof(IterTimerHook), null),
        ("sampler_seed", nameof(DistSamplerSeedHook), null),
        ("logger", nameof(LoggerHook), null),
        ("param_scheduler", nameof(ParamSchedulerHook), null),
        ("checkpoint", nameof(CheckpointHook), "interval = 1"),
    ];

    private BaseTrainLoop? _trainLoop;
    private ValLoop? _valLoop;
    private TestLoop? _testLoop;

    /// <summary>The train loop, built (with its dataloader) on first use; null when the config has no <c>train_cfg</c>.</summary>
    public BaseTrainLoop? TrainLoop => _trainLoop ??= _cfg["train_cfg"] is ConfigTable cfg ? BuildTrainLoop(cfg) : null;

    /// <summary>The validation loop, built on first use; null when the config has no <c>val_cfg</c>.</summary>
    public ValLoop? ValLoop => _valLoop ??= _cfg["val_cfg"] is ConfigTable cfg ? BuildEvalLoop<ValLoop>(cfg, "val") : null;

    /// <summary>The test loop, built on first use; null when the config has no <c>test_cfg</c>.</summary>
    public TestLoop? TestLoop => _testLoop ??= _cfg["test_cfg"] is ConfigTable cfg ? BuildEvalLoop<TestLoop>(cfg, "test") : null;

    private BaseTrainLoop BuildTrainLoop(ConfigTable cfg)
    {
        var dataloader = BuildDataLoader("train_dataloader");
        var builder = BuilderWith(this, dataloader);
        if (cfg.TypeName is not null) return builder.Build<BaseTrainLoop>(cfg)!;
        var table = cfg.Clone();
        var byEpoch = table["by_epoch"] is not false;
        table.Remove("by_epoch");
        return (BaseTrainLoop)builder.BuildType(byEpoch ? typeof(EpochBasedTrainLoop) : typeof(IterBasedTrainLoop), table)!;
    }

    private TLoop BuildEvalLoop<TLoop>(ConfigTable cfg, string mode) where TLoop : BaseLoop
    {
        var key = mode + "_dataloader";
        var named = NamedDataLoaderTables(_cfg[key]);
        var dataloader = named is null ? BuildDataLoader(key) : BuildDataLoader(named[0].Table);
        var evaluator = BuildEvaluator(mode + "_evaluator");
        var builder = BuilderWith(this, dataloader, evaluator);
        var loop = cfg.TypeName is not null ? builder.Build<BaseLoop>(cfg) : builder.BuildType(typeof(TLoop), cfg);
        var typed = loop as TLoop ?? throw ConfigException.At(cfg.LocationOf("type"), cfg.PathOf("type"),
            $"a {mode} loop must derive from {typeof(TLoop).Name}.");
        if (named is not null)
        {
            if (typed is not EvaluationLoop evaluation)
                throw ConfigException.At(_cfg.LocationOf(key), key, $"{typed.GetType().Name} cannot evaluate several named sets.");
            evaluation.UseNamedSets(named[0].Name, named.Skip(1).Select(n => (n.Name, BuildDataLoader(n.Table), BuildEvaluator(mode + "_evaluator"))));
        }
        return typed;
    }

    /// <summary>A dataloader table of named sets (no <c>dataset</c> key; each value a dataloader table), or null.</summary>
    internal static List<(string Name, ConfigTable Table)>? NamedDataLoaderTables(object? value) =>
        value is ConfigTable table && !table.ContainsKey("dataset") && table.Count > 0 && table.All(kv => kv.Value is ConfigTable)
            ? table.Select(kv => (kv.Key, (ConfigTable)kv.Value!)).ToList()
            : null;

    private ComponentBuilder BuilderWith(params object[] services)
    {
        var builder = new ComponentBuilder(Registries, DefaultScope);
        builder.Services.AddRange(services);
        return builder;
    }

    /// <summary>MMEngine's <c>build_dataloader</c>: the dataset, then the sampler (given the dataset and the seed), then the loader.</summary>
    private DataLoader BuildDataLoader(string key) =>
        _cfg[key] is DataLoader given ? given : BuildDataLoader((ConfigTable)_cfg[key]!);

    private DataLoader BuildDataLoader(ConfigTable dataloader)
    {
        var table = dataloader.Clone();
        var dataset = _builder.Build<IDataset>((ConfigTable)table["dataset"]!)!;
        var sampler = table["sampler"] is ConfigTable samplerTable
            ? _builder.Build<ISampler>(samplerTable, new Dictionary<string, object?> { ["dataset"] = dataset, ["seed"] = Seed })!
            : new DefaultSampler(dataset, shuffle: false, seed: Seed);
        table.Remove("dataset");
        table.Remove("sampler");
        return (DataLoader)_builder.BuildType(typeof(DataLoader), table,
            new Dictionary<string, object?> { ["dataset"] = dataset, ["sampler"] = sampler })!;
    }

    /// <summary>A loop's evaluator (see <see cref="EvaluatorPart"/>).</summary>
    private Evaluator BuildEvaluator(string key) => EvaluatorPart.Decode(_builder, _cfg, key)!;

    /// <summary>
    /// The optimizer wrapper, through the constructor named by <c>optim_wrapper.constructor</c> (default
    /// <c>DefaultOptimWrapperConstructor</c>), which gets the rest of the table and <c>paramwise_cfg</c>.
    /// </summary>
    private OptimWrapper BuildOptimWrapper()
    {
        if (_cfg["optim_wrapper"] is OptimWrapper given) return given;
        var (constructorTable, defaults) = OptimWrapperConstructorTable((ConfigTable)_cfg["optim_wrapper"]!);
        return BuilderWith(_builder).Build<IOptimWrapperConstructor>(constructorTable, defaults)!.Build(Model);
    }

    /// <summary>Splits optim_wrapper into the constructor's own table (its type) and what it is given.</summary>
    internal static (ConfigTable Constructor, Dictionary<string, object?> Defaults) OptimWrapperConstructorTable(ConfigTable optimWrapper)
    {
        var rest = optimWrapper.Clone();
        var constructor = new ConfigTable(optimWrapper.Location) { Path = optimWrapper.PathOf("constructor") };
        constructor.Set("type", optimWrapper["constructor"] ?? nameof(DefaultOptimWrapperConstructor), optimWrapper.LocationOf("constructor"));
        var paramwise = optimWrapper["paramwise_cfg"];
        rest.Remove("constructor");
        rest.Remove("paramwise_cfg");
        return (constructor, new Dictionary<string, object?> { ["optim_wrapper_cfg"] = rest, ["paramwise_cfg"] = paramwise });
    }

    /// <summary>
    /// The schedulers: a table or list is built for the optimizer wrapper (for each wrapper of a dict); a table
    /// without <c>type</c> is keyed by wrapper name, each value a scheduler table or a list of them.
    /// </summary>
    private List<ParamScheduler> BuildParamSchedulers(BaseTrainLoop loop)
    {
        var schedulers = new List<ParamScheduler>();
        foreach (var (name, wrapper) in OptimWrapper!.NamedWrappers())
        {
            var items = _cfg["param_scheduler"] switch
            {
                null => [],
                ConfigTable { TypeName: null } perWrapper => perWrapper[name] switch
                {
                    null => [],
                    ConfigArray list => list.ToList(),
                    var single => [single],
                },
                ConfigArray list => list.ToList(),
                var single => [single],
            };
            var builder = BuilderWith(wrapper);
            schedulers.AddRange(items.Select(item => item as ParamScheduler ?? builder.Build<ParamScheduler>((ConfigTable)item!)!));
        }
        foreach (var scheduler in schedulers)
            scheduler.Prepare(loop.Dataloader.Count, scheduler.ByEpoch && !scheduler.ConvertToIterBased ? loop.MaxEpochs : loop.MaxIters);
        return schedulers;
    }

    /// <summary><c>auto_scale_lr</c>: scales every learning rate by the real batch size over <c>base_batch_size</c>.</summary>
    private void ScaleLr(BaseTrainLoop loop)
    {
        if (_cfg["auto_scale_lr"] is not ConfigTable table) return;
        var settings = (AutoScaleLrSettings)_builder.BuildType(typeof(AutoScaleLrSettings), table)!;
        if (!settings.Enable) return;
        var realBatchSize = loop.Dataloader.BatchSize; // world size 1
        var ratio = (double)realBatchSize / settings.BaseBatchSize;
        foreach (var (_, wrapper) in OptimWrapper!.NamedWrappers())
        {
            foreach (var group in wrapper.Optimizer.ParamGroups)
            {
                group.LearningRate *= ratio;
                group.InitialLearningRate = group.LearningRate;
            }
        }
        Logger.Info($"LR is set based on batch size of {settings.BaseBatchSize} and the current batch size is {realBatchSize}. " +
            $"Scaling the original LR by {ratio}.");
    }

    /// <summary>The config table each hook was built from, so a hot swap can build its successor the same way.</summary>
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<Hook, ConfigTable> _hookConfigs = new();

    /// <summary>The config table <paramref name="hook"/> was built from; null for a hook registered as an instance.</summary>
    internal ConfigTable? ConfigOf(Hook hook) => _hookConfigs.TryGetValue(hook, out var table) ? table : null;

    /// <summary>Builds a hook from its config table (resolving its type in the registries as they are now).</summary>
    internal Hook BuildHook(ConfigTable table)
    {
        var hook = _builder.Build<Hook>(table)!;
        _hookConfigs.AddOrUpdate(hook, table);
        return hook;
    }

    /// <summary>The default hooks (merged with <c>default_hooks</c>: a table adds or changes options, <c>false</c> removes one), then <c>custom_hooks</c>.</summary>
    private void RegisterHooks()
    {
        var overrides = _cfg["default_hooks"] as ConfigTable ?? new ConfigTable();
        foreach (var (name, type, options) in DefaultHooks)
        {
            var table = ConfigLoader.Parse($"type = \"{type}\"\n{options}", $"<default hook {name}>");
            table.AssignPaths("default_hooks." + name);
            if (overrides[name] is false) continue;
            if (overrides[name] is Hook instance)
            {
                CallHooks.Register(instance);
                continue;
            }
            if (overrides[name] is ConfigTable given)
            {
                if (given.TypeName is not null) table = given;
                else ConfigLoader.Merge(table, given);
            }
            CallHooks.Register(BuildHook(name == "checkpoint" && table.TypeName == nameof(CheckpointHook) ? WithIterDefault(table) : table));
        }
        foreach (var (name, value) in overrides)
        {
            if (DefaultHooks.Any(d => d.Name == name)) continue;
            if (value is Hook hook) CallHooks.Register(hook);
            else if (value is ConfigTable extra) CallHooks.Register(BuildHook(extra));
        }
        if (_cfg["custom_hooks"] is ConfigArray custom)
            foreach (var item in custom) CallHooks.Register(item as Hook ?? BuildHook((ConfigTable)item!));
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
