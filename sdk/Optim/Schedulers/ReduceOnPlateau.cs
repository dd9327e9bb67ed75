using System.Globalization;
using Runner.Sdk.Registries;

namespace Runner.Sdk.Optim.Schedulers;

/// <summary>
/// Lowers the value by <c>factor</c> when the monitored validation metric stops improving for <c>patience</c>
/// validations (MMEngine's <c>ReduceOnPlateauParamScheduler</c>). It steps after each validation with the metrics,
/// not after each epoch; by epoch only.
/// </summary>
[Register]
internal class ReduceOnPlateauParamScheduler : ParamScheduler
{
    private double _best;
    private int _badEpochs;
    private int _cooldownCounter;

    /// <param name="monitor">The metric to watch, as the val loop reports it (e.g. <c>accuracy/top1</c>).</param>
    /// <param name="rule">"less" (lower is better) or "greater".</param>
    /// <param name="factor">The value is multiplied by this on a plateau (less than 1).</param>
    /// <param name="patience">Validations without improvement before the value is lowered.</param>
    /// <param name="threshold">How much better counts as better.</param>
    /// <param name="thresholdRule">"rel" (relative to the best) or "abs".</param>
    /// <param name="cooldown">Validations to wait after a reduction before counting again.</param>
    /// <param name="minValue">The value never goes below this.</param>
    /// <param name="eps">Reductions smaller than this are skipped.</param>
    public ReduceOnPlateauParamScheduler(OptimWrapper optimWrapper, string paramName, string monitor = "loss", string rule = "less", double factor = 0.1,
        int patience = 10, double threshold = 1e-4, string thresholdRule = "rel", int cooldown = 0, double minValue = 0, double eps = 1e-8,
        int begin = 0, int? end = null, bool byEpoch = true)
        : base(optimWrapper, paramName, begin, end, byEpoch, convertToIterBased: false)
    {
        if (!byEpoch) throw new ArgumentException("ReduceOnPlateau works by epoch only (by_epoch = true).");
        if (rule is not ("less" or "greater")) throw new ArgumentException($"rule must be \"less\" or \"greater\", got \"{rule}\".");
        if (thresholdRule is not ("rel" or "abs")) throw new ArgumentException($"threshold_rule must be \"rel\" or \"abs\", got \"{thresholdRule}\".");
        if (factor is <= 0 or >= 1) throw new ArgumentException($"factor must be between 0 and 1, got {factor}.");
        if (patience < 0 || cooldown < 0) throw new ArgumentException("patience and cooldown must not be negative.");
        Monitor = monitor;
        Rule = rule;
        Factor = factor;
        Patience = patience;
        Threshold = threshold;
        ThresholdRule = thresholdRule;
        Cooldown = cooldown;
        MinValue = minValue;
        Eps = eps;
        _best = rule == "less" ? double.PositiveInfinity : double.NegativeInfinity;
    }

    public string Monitor { get; }

    public string Rule { get; }

    public double Factor { get; }

    public int Patience { get; }

    public double Threshold { get; }

    public string ThresholdRule { get; }

    public int Cooldown { get; }

    public double MinValue { get; }

    public double Eps { get; }

    public override bool NeedsValMetrics => true;

    protected override double NextValue(int group, double current, double baseValue, int k) => current;

    public override void Step(IReadOnlyDictionary<string, double> metrics)
    {
        if (!metrics.TryGetValue(Monitor, out var value))
            throw new RunnerException($"ReduceOnPlateau monitors '{Monitor}', which the validation did not report (it reported: {string.Join(", ", metrics.Keys)}).");
        Step();
        if (GlobalStep < Begin || GlobalStep >= End) return;
        if (IsBetter(value))
        {
            _best = value;
            _badEpochs = 0;
        }
        else
        {
            _badEpochs++;
        }
        if (_cooldownCounter > 0)
        {
            _cooldownCounter--;
            _badEpochs = 0;
        }
        if (_badEpochs <= Patience) return;
        for (var i = 0; i < OptimWrapper.ParamGroupCount; i++)
        {
            var old = OptimWrapper.GetParam(i, ParamName);
            var reduced = Math.Max(old * Factor, MinValue);
            if (old - reduced > Eps) OptimWrapper.SetParam(i, ParamName, reduced);
        }
        _cooldownCounter = Cooldown;
        _badEpochs = 0;
    }

    private bool IsBetter(double value) => (Rule, ThresholdRule) switch
    {
        ("less", "rel") => value < _best * (1 - Threshold),
        ("less", _) => value < _best - Threshold,
        (_, "rel") => value > _best * (1 + Threshold),
        _ => value > _best + Threshold,
    };

    protected override void SaveExtraState(Dictionary<string, object> state)
    {
        state["best"] = _best.ToString("R", CultureInfo.InvariantCulture); // a string: JSON has no infinity
        state["num_bad_epochs"] = (long)_badEpochs;
        state["cooldown_counter"] = (long)_cooldownCounter;
    }

    protected override void LoadExtraState(IReadOnlyDictionary<string, object> state)
    {
        _best = double.Parse((string)state["best"], CultureInfo.InvariantCulture);
        _badEpochs = Convert.ToInt32(state["num_bad_epochs"], CultureInfo.InvariantCulture);
        _cooldownCounter = Convert.ToInt32(state["cooldown_counter"], CultureInfo.InvariantCulture);
    }
}

/// <summary>Lowers the learning rate on a plateau of a validation metric (MMEngine's <c>ReduceOnPlateauLR</c>).</summary>
[Register]
internal sealed class ReduceOnPlateauLR(OptimWrapper optimWrapper, string monitor = "loss", string rule = "less", double factor = 0.1, int patience = 10,
    double threshold = 1e-4, string thresholdRule = "rel", int cooldown = 0, double minValue = 0, double eps = 1e-8, int begin = 0, int? end = null, bool byEpoch = true)
    : ReduceOnPlateauParamScheduler(optimWrapper, "lr", monitor, rule, factor, patience, threshold, thresholdRule, cooldown, minValue, eps, begin, end, byEpoch);

/// <summary>Lowers the momentum on a plateau of a validation metric (MMEngine's <c>ReduceOnPlateauMomentum</c>).</summary>
[Register]
internal sealed class ReduceOnPlateauMomentum(OptimWrapper optimWrapper, string monitor = "loss", string rule = "less", double factor = 0.1, int patience = 10,
    double threshold = 1e-4, string thresholdRule = "rel", int cooldown = 0, double minValue = 0, double eps = 1e-8, int begin = 0, int? end = null, bool byEpoch = true)
    : ReduceOnPlateauParamScheduler(optimWrapper, "momentum", monitor, rule, factor, patience, threshold, thresholdRule, cooldown, minValue, eps, begin, end, byEpoch);
