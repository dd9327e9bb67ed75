using System.Globalization;
using Runner.Sdk.Checkpoints;
using Runner.Sdk.Configuration;
using Runner.Sdk.Models;
using Runner.Sdk.Registries;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Runner.Sdk.Optim;

/// <summary>
/// Reduced-precision training (MMEngine's <c>AmpOptimWrapper</c>), defined for what TorchSharp offers, which has no
/// autocast: the model itself — weights, activations and gradients — runs in <c>dtype</c> (<c>bfloat16</c>, the
/// default, or <c>float16</c>), its floating-point inputs are cast to it, and the optimizer keeps <c>float32</c> master
/// copies of the weights. Each step copies the gradients into the masters, unscales them, skips the step when one is
/// not finite, clips, steps, and copies the updated masters back into the model. Nothing else is converted: integer
/// fields (labels) stay as they are, and losses are computed in <c>dtype</c>.
/// Loss scaling: <c>"dynamic"</c> (the default for float16: start at 2^16, halve on a non-finite gradient, double
/// after 2000 good steps), a fixed number, or a table <c>{ init_scale, growth_factor, backoff_factor, growth_interval }</c>;
/// bfloat16 needs none (default 1).
/// </summary>
[Register]
public sealed class AmpOptimWrapper : OptimWrapper
{
    private readonly double _growthFactor = 2.0;
    private readonly double _backoffFactor = 0.5;
    private readonly int _growthInterval = 2000;
    private readonly bool _dynamic;
    private List<(string Name, Parameter Model, Parameter Master)> _pairs = [];
    private int _goodSteps;

    /// <param name="optimizer">The optimizer over the float32 master weights (built by the optim-wrapper constructor).</param>
    /// <param name="dtype">"bfloat16" or "float16".</param>
    /// <param name="lossScale">"dynamic", a number, or a table of dynamic-scaling settings (<see cref="DynamicLossScale"/>).</param>
    public AmpOptimWrapper(optim.Optimizer optimizer, int accumulativeCounts = 1, ClipGradSettings? clipGrad = null, string dtype = "bfloat16", object? lossScale = null,
        bool skipNonfiniteLoss = false)
        : base(optimizer, accumulativeCounts, clipGrad, skipNonfiniteLoss)
    {
        Dtype = ParseDtype(dtype);
        lossScale ??= Dtype == ScalarType.Float16 ? "dynamic" : 1.0;
        // A table is bound like any plain options (the config check binds it the same way: DefaultOptimWrapperConstructor.Check).
        if (lossScale is ConfigTable table)
            lossScale = (DynamicLossScale)new ComponentBuilder(new RegistryRoot(), RegistryRoot.RootScope).BuildType(typeof(DynamicLossScale), table)!;
        switch (lossScale)
        {
            case "dynamic":
                _dynamic = true;
                LossScale = 65536;
                break;
            case long or double:
                LossScale = Convert.ToDouble(lossScale, CultureInfo.InvariantCulture);
                if (LossScale <= 0) throw new ArgumentException($"loss_scale must be positive, got {LossScale}.");
                break;
            case DynamicLossScale settings:
                _dynamic = true;
                LossScale = settings.InitScale;
                _growthFactor = settings.GrowthFactor;
                _backoffFactor = settings.BackoffFactor;
                _growthInterval = settings.GrowthInterval;
                break;
            default:
                throw new ArgumentException($"loss_scale must be \"dynamic\", a number or a table, got {lossScale}.");
        }
    }

    /// <summary>The dtype the model runs in.</summary>
    public ScalarType Dtype { get; }

    /// <summary>The current loss scale.</summary>
    public double LossScale { get; private set; }

    /// <summary>Steps skipped because a gradient was not finite.</summary>
    public int SkippedSteps { get; private set; }

    /// <summary>The dtype a config names: <c>float16</c>/<c>fp16</c>/<c>half</c> or <c>bfloat16</c>/<c>bf16</c>.</summary>
    public static ScalarType ParseDtype(string dtype) => dtype switch
    {
        "bfloat16" or "bf16" => ScalarType.BFloat16,
        "float16" or "fp16" or "half" => ScalarType.Float16,
        _ => throw new ArgumentException($"dtype must be \"bfloat16\" or \"float16\", got \"{dtype}\"."),
    };

    /// <summary>
    /// Called by the optim-wrapper constructor before the optimizer exists: makes float32 master copies of the
    /// model's weights, converts the model to <paramref name="dtype"/>, and tells its data preprocessor to cast inputs.
    /// Returns the masters by parameter name, for the optimizer.
    /// </summary>
    public static Dictionary<string, Parameter> ConvertModel(BaseModel model, ScalarType dtype)
    {
        var masters = model.named_parameters().ToDictionary(p => p.name,
            p => new Parameter(p.parameter.detach().to(ScalarType.Float32).clone(), p.parameter.requires_grad), StringComparer.Ordinal);
        model.to(dtype);
        model.DataPreprocessor.FloatDtype = dtype;
        return masters;
    }

    /// <summary>Pairs the model's (converted) parameters with their masters; called once after construction.</summary>
    public void Bind(BaseModel model, IReadOnlyDictionary<string, Parameter> masters) =>
        _pairs = model.named_parameters().Select(p => (p.name, p.parameter, masters[p.name])).ToList();

    /// <inheritdoc/>
    protected override IReadOnlyList<Parameter> GradientParameters() =>
        _pairs.Count > 0 ? _gradientParameters ??= _pairs.Select(p => p.Item2).ToList() : base.GradientParameters();

    private IReadOnlyList<Parameter>? _gradientParameters;

    /// <inheritdoc/>
    public override void Backward(Tensor loss)
    {
        if (LossScale == 1)
        {
            base.Backward(loss);
            return;
        }
        using var scaled = loss * LossScale;
        base.Backward(scaled);
    }

    /// <inheritdoc/>
    public override void Step()
    {
        using var scope = NewDisposeScope();
        var finite = true;
        using (no_grad())
        {
            foreach (var (_, model, master) in _pairs)
            {
                if (model.grad is not { } grad)
                {
                    master.grad = null;
                    continue;
                }
                var unscaled = grad.to(ScalarType.Float32);
                if (LossScale != 1) unscaled = unscaled.div(LossScale);
                finite &= isfinite(unscaled).all().item<bool>();
                master.grad = unscaled.DetachFromDisposeScope();
            }
        }
        if (!finite)
        {
            // A non-finite gradient: skip this step and lower the scale (dynamic) — the weights stay as they were.
            SkippedSteps++;
            if (_dynamic) LossScale *= _backoffFactor;
            _goodSteps = 0;
            return;
        }
        base.Step();
        using (no_grad())
        {
            foreach (var (_, model, master) in _pairs) model.copy_(master.to(Dtype));
        }
        if (_dynamic && ++_goodSteps >= _growthInterval)
        {
            LossScale *= _growthFactor;
            _goodSteps = 0;
        }
    }

    /// <inheritdoc/>
    public override void ZeroGrad()
    {
        base.ZeroGrad();
        foreach (var (_, model, _) in _pairs) model.grad = null;
    }

    /// <summary>Also saves the float32 masters and the loss scale, so a resume continues exactly.</summary>
    public override void SaveState(Checkpoint checkpoint, string key)
    {
        base.SaveState(checkpoint, key);
        foreach (var (name, _, master) in _pairs) checkpoint.Tensors[$"{key}/master/{name}"] = master.detach();
        checkpoint.State[key + "/amp"] = new Dictionary<string, object> { ["loss_scale"] = LossScale, ["good_steps"] = (long)_goodSteps };
    }

    /// <inheritdoc/>
    public override void LoadState(Checkpoint checkpoint, string key)
    {
        base.LoadState(checkpoint, key);
        using (no_grad())
        {
            foreach (var (name, model, master) in _pairs)
            {
                if (!checkpoint.Tensors.TryGetValue($"{key}/master/{name}", out var saved)) continue;
                master.copy_(saved);
                model.copy_(saved.to(Dtype));
            }
        }
        if (checkpoint.State.TryGetValue(key + "/amp", out var amp) && amp is IReadOnlyDictionary<string, object> state)
        {
            LossScale = Convert.ToDouble(state["loss_scale"], CultureInfo.InvariantCulture);
            _goodSteps = Convert.ToInt32(state["good_steps"], CultureInfo.InvariantCulture);
        }
    }
}
