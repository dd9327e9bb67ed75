using System.Reflection;
using Runner.Sdk.Configuration;
using Runner.Sdk.Models;
using Runner.Sdk.Registries;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Runner.Sdk.Optim;

/// <summary>
/// MMEngine's <c>DefaultOptimWrapperConstructor</c>: builds the optimizer named by <c>optimizer</c> over the model's
/// parameters — one group, or with <c>paramwise_cfg</c> one group per parameter with its own learning rate and
/// weight decay — and wraps it in <c>type</c> (default <see cref="OptimWrapper"/>) with the table's other options.
/// </summary>
[Register]
public sealed class DefaultOptimWrapperConstructor : IOptimWrapperConstructor
{
    private readonly ConfigTable _cfg;
    private readonly ComponentBuilder _builder;
    private readonly ParamwiseSettings? _paramwise;
    private readonly double? _baseWd;

    /// <param name="optimWrapperCfg">The optim_wrapper table without <c>constructor</c> and <c>paramwise_cfg</c> (given by the runner).</param>
    /// <param name="builder">Builds the optimizer and the wrapper from their tables (given by the runner).</param>
    /// <param name="paramwiseCfg">The paramwise_cfg table, if any.</param>
    public DefaultOptimWrapperConstructor(ConfigTable optimWrapperCfg, ComponentBuilder builder, ConfigTable? paramwiseCfg = null)
    {
        _cfg = optimWrapperCfg;
        _builder = builder;
        _baseWd = CheckTables(optimWrapperCfg, paramwiseCfg);
        CheckFlatBuffers(builder, optimWrapperCfg, paramwiseCfg);
        if (paramwiseCfg is not null) _paramwise = (ParamwiseSettings)builder.BuildType(typeof(ParamwiseSettings), paramwiseCfg)!;
    }

    /// <summary>
    /// Checks what this constructor would build from the tables — the optimizer, <c>paramwise_cfg</c>, the wrapper
    /// and its options — with a <see cref="ComponentBuilder"/> in validation mode: the same code <see cref="Build"/>
    /// runs, without a model. Plugin constructors read their tables their own way and are not checked here.
    /// </summary>
    public static void Check(ComponentBuilder check, ConfigTable optimWrapperCfg, ConfigTable? paramwiseCfg)
    {
        CheckTables(optimWrapperCfg, paramwiseCfg);
        CheckFlatBuffers(check, optimWrapperCfg, paramwiseCfg);
        check.Build<IOptimizerFactory>((ConfigTable)optimWrapperCfg["optimizer"]!);
        if (paramwiseCfg is not null) check.BuildType(typeof(ParamwiseSettings), paramwiseCfg);
        BuildWrapper(check, optimWrapperCfg, ComponentBuilder.Supplied);
        // AmpOptimWrapper takes loss_scale as "dynamic", a number or a table; the table is plain options.
        if (optimWrapperCfg["loss_scale"] is ConfigTable lossScale) check.BuildType(typeof(DynamicLossScale), lossScale);
    }

    /// <summary><c>flat_buffers</c> lays out one buffer for one group of parameters of one dtype: not with
    /// <c>paramwise_cfg</c> (several groups) nor a reduced-precision wrapper (float32 masters beside the model's).</summary>
    private static void CheckFlatBuffers(ComponentBuilder builder, ConfigTable optimWrapperCfg, ConfigTable? paramwiseCfg)
    {
        if (optimWrapperCfg["flat_buffers"] is not true) return;
        var where = optimWrapperCfg.LocationOf("flat_buffers");
        var key = optimWrapperCfg.PathOf("flat_buffers");
        if (paramwiseCfg is not null)
            throw ConfigException.At(where, key, "flat_buffers lays the parameters out as one group, and paramwise_cfg asks for several.", "drop one of the two.");
        if (IsAmp(builder, optimWrapperCfg))
            throw ConfigException.At(where, key, "flat_buffers is for the plain OptimWrapper: AmpOptimWrapper steps float32 copies of the weights, which are not laid out flat.", "drop flat_buffers, or train in full precision.");
    }

    /// <summary>The shape rules of the tables; returns the optimizer's weight decay (MMEngine's <c>base_wd</c>).</summary>
    private static double? CheckTables(ConfigTable optimWrapperCfg, ConfigTable? paramwiseCfg)
    {
        if (optimWrapperCfg["optimizer"] is not ConfigTable optimizer)
        {
            throw ConfigException.At(optimWrapperCfg.Location, optimWrapperCfg.Path, "optim_wrapper has no optimizer table.",
                "add optimizer = { type = \"SGD\", lr = 0.01 }.");
        }
        double? baseWd = optimizer["weight_decay"] switch { long l => l, double d => d, _ => null };
        var decayKeys = new[] { "bias_decay_mult", "norm_decay_mult", "dwconv_decay_mult", "flat_decay_mult" };
        var needsDecay = paramwiseCfg is not null && (decayKeys.Any(paramwiseCfg.ContainsKey)
            || (paramwiseCfg["custom_keys"] is ConfigTable custom && custom.Any(kv => kv.Value is ConfigTable keyCfg && keyCfg.ContainsKey("decay_mult"))));
        if (needsDecay && baseWd is null)
        {
            throw ConfigException.At(paramwiseCfg!.Location, paramwiseCfg.Path,
                "base_wd should not be None: paramwise_cfg sets a decay multiplier but the optimizer has no weight_decay.", "add weight_decay to optim_wrapper.optimizer.");
        }
        return baseWd;
    }

    /// <summary>The wrapper: the table without <c>optimizer</c>, its <c>type</c> defaulting to <see cref="OptimWrapper"/>.</summary>
    private static OptimWrapper? BuildWrapper(ComponentBuilder builder, ConfigTable optimWrapperCfg, object optimizer)
    {
        var table = optimWrapperCfg.Clone();
        table.Remove("optimizer");
        return builder.Build<OptimWrapper>(table, new Dictionary<string, object?>(WrapperDefaults) { ["optimizer"] = optimizer });
    }

    /// <summary>Builds the optimizer over <paramref name="model"/>'s parameters, grouped by <c>paramwise_cfg</c>, and the wrapper around it.</summary>
    public OptimWrapper Build(BaseModel model)
    {
        var factory = _builder.Build<IOptimizerFactory>((ConfigTable)_cfg["optimizer"]!)!;
        // Reduced precision: the model is converted first, and the optimizer gets float32 masters of its weights.
        var masters = IsAmp(_builder, _cfg) ? AmpOptimWrapper.ConvertModel(model, AmpOptimWrapper.ParseDtype(_cfg["dtype"] as string ?? "bfloat16")) : null;
        Parameter ForOptimizer(string name, Parameter parameter) => masters is null ? parameter : masters[name];
        var flat = _cfg["flat_buffers"] is true ? FlatParameters.Pack(model.parameters().Where(p => p.requires_grad).ToList()) : null;
        var optimizer = flat is not null ? factory.Create([flat.Values])
            : _paramwise is null
            ? factory.Create(model.named_parameters().Select(p => ForOptimizer(p.name, p.parameter)).ToList())
            : CreateParamwise(factory, model, ForOptimizer);
        var wrapper = BuildWrapper(_builder, _cfg, optimizer)!;
        if (wrapper is AmpOptimWrapper amp) amp.Bind(model, masters!);
        if (flat is not null) wrapper.FlatGradients = flat.Gradients;
        return wrapper;
    }

    /// <summary>Whether the wrapper the table names (its <c>type</c>, default <see cref="OptimWrapper"/>) is a reduced-precision one.</summary>
    private static bool IsAmp(ComponentBuilder builder, ConfigTable optimWrapperCfg) =>
        typeof(AmpOptimWrapper).IsAssignableFrom(builder.ResolveType(typeof(OptimWrapper), optimWrapperCfg, WrapperDefaults));

    /// <summary>The wrapper's <c>type</c> when the table names none.</summary>
    private static readonly IReadOnlyDictionary<string, object?> WrapperDefaults = new Dictionary<string, object?> { ["type"] = nameof(OptimWrapper) };

    /// <summary>One group per parameter, in named_parameters order, with MMEngine's rules for its lr and weight decay.</summary>
    public IReadOnlyList<(string Name, Parameter Parameter, double Lr, double? WeightDecay)> ParamGroups(BaseModel model, double baseLr)
    {
        var groups = new List<(string, Parameter, double, double?)>();
        var seen = new HashSet<IntPtr>();
        var customKeys = (_paramwise?.CustomKeys ?? [])
            .OrderBy(kv => kv.Key, StringComparer.Ordinal).OrderByDescending(kv => kv.Key.Length).ToList();
        IEnumerable<(string Prefix, nn.Module Module)> modules = [("", model), .. model.named_modules().Select(m => (m.name, m.module))];
        foreach (var (prefix, module) in modules)
        {
            foreach (var (name, parameter) in module.named_parameters(recurse: false))
            {
                if (_paramwise?.BypassDuplicate == true && !seen.Add(parameter.Handle)) continue;
                var fullName = prefix.Length == 0 ? name : $"{prefix}.{name}";
                var lr = baseLr;
                var wd = _baseWd;
                if (!parameter.requires_grad || _paramwise is null)
                {
                    groups.Add((fullName, parameter, lr, wd));
                    continue;
                }
                var custom = customKeys.FirstOrDefault(kv => fullName.Contains(kv.Key, StringComparison.Ordinal));
                if (custom.Key is not null)
                {
                    lr = baseLr * Number(custom.Value, "lr_mult");
                    if (_baseWd is { } baseWd) wd = baseWd * Number(custom.Value, "decay_mult");
                    groups.Add((fullName, parameter, lr, wd));
                    continue;
                }
                var isNorm = IsNorm(module);
                if (name == "bias" && !isNorm) lr = baseLr * (_paramwise.BiasLrMult ?? 1);
                if (_baseWd is { } decay)
                {
                    if (isNorm) wd = decay * (_paramwise.NormDecayMult ?? 1);
                    else if (name == "bias") wd = decay * (_paramwise.BiasDecayMult ?? 1);
                    else if (IsDepthwise(module)) wd = decay * (_paramwise.DwconvDecayMult ?? 1);
                    else if (parameter.dim() == 1) wd = decay * (_paramwise.FlatDecayMult ?? 1);
                }
                groups.Add((fullName, parameter, lr, wd));
            }
        }
        return groups;
    }

    private optim.Optimizer CreateParamwise(IOptimizerFactory factory, BaseModel model, Func<string, Parameter, Parameter> forOptimizer)
    {
        var groups = ParamGroups(model, factory.Lr).Select(g => (g.Name, Parameter: forOptimizer(g.Name, g.Parameter), g.Lr, g.WeightDecay)).ToList();
        if (groups.Count == 0) throw new ArgumentException("the model has no parameters to optimize.");
        var optimizer = factory.Create([groups[0].Parameter]);
        var first = (ParamGroup)optimizer.ParamGroups.First();
        Apply(first.Options, groups[0].Lr, groups[0].WeightDecay);
        first.LearningRate = groups[0].Lr;
        var optimizerType = optimizer.GetType();
        var groupType = optimizerType.GetNestedType("ParamGroup") ?? throw new InvalidOperationException($"{optimizerType.Name} has no ParamGroup type.");
        var optionsType = optimizerType.GetNestedType("Options") ?? throw new InvalidOperationException($"{optimizerType.Name} has no Options type.");
        foreach (var (_, parameter, lr, wd) in groups.Skip(1))
        {
            // Each further group starts as a copy of the optimizer's own options, then gets its lr and weight decay.
            var options = (OptimizerOptions)Activator.CreateInstance(optionsType)!;
            options.LoadStateDict(first.Options);
            Apply(options, lr, wd);
            var group = (ParamGroup)Activator.CreateInstance(groupType, [new[] { parameter }.AsEnumerable(), options])!;
            optimizer.add_param_group(group);
        }
        return optimizer;
    }

    private static void Apply(OptimizerOptions options, double lr, double? weightDecay)
    {
        options.LearningRate = lr;
        options.InitialLearningRate = lr;
        if (weightDecay is { } wd && options.GetType().GetField("weight_decay", BindingFlags.Public | BindingFlags.Instance) is { } field)
            field.SetValue(options, wd);
    }

    private static double Number(ConfigTable table, string key) => table[key] switch
    {
        long l => l,
        double d => d,
        null => 1.0,
        var other => throw new ArgumentException($"paramwise_cfg.custom_keys: {key} must be a number, got {other}."),
    };

    /// <summary>MMEngine's norm layers (<c>_BatchNorm</c>, <c>_InstanceNorm</c>, <c>GroupNorm</c>, <c>LayerNorm</c>): TorchSharp's <see cref="NormBase"/> is both batch and instance norms' base.</summary>
    private static bool IsNorm(nn.Module module) => module is NormBase or GroupNorm or LayerNorm;

    private static bool IsDepthwise(nn.Module module) =>
        module is Convolution conv && conv.groups > 1 && conv.groups == conv.in_channels;
}
