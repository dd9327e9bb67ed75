using System.Globalization;
using Runner.Sdk.Registries;
using Runner.Sdk.Running;

namespace Runner.Sdk.Hooks;

/// <summary>
/// Stops training when a validation metric stops improving (MMEngine's <c>EarlyStoppingHook</c>): after
/// <c>patience</c> validations without an improvement of more than <c>min_delta</c>, when the metric reaches
/// <c>stopping_threshold</c>, or when it is not finite. Its best score and wait count are in the message hub, so they
/// survive a resume.
/// </summary>
[Register]
internal sealed class EarlyStoppingHook : Hook
{
    /// <param name="monitor">The metric to watch (e.g. <c>accuracy/top1</c>).</param>
    /// <param name="rule">"greater" or "less"; default: inferred from the name, as CheckpointHook does.</param>
    /// <param name="minDelta">The improvement that counts (MMEngine's code uses 0.1; its docstring says 0.01).</param>
    /// <param name="strict">Fail when the metric is missing, instead of warning.</param>
    /// <param name="checkFinite">Stop when the metric is NaN or infinite.</param>
    /// <param name="patience">Validations without improvement before stopping.</param>
    /// <param name="stoppingThreshold">Stop as soon as the metric reaches this.</param>
    public EarlyStoppingHook(string monitor, string? rule = null, double minDelta = 0.1, bool strict = false, bool checkFinite = true,
        int patience = 5, double? stoppingThreshold = null)
    {
        if (patience < 1) throw new ArgumentException($"patience must be at least 1, got {patience}.");
        Monitor = monitor;
        Rule = rule ?? MetricRule.Infer(monitor, MetricRule.DefaultGreaterKeys, MetricRule.DefaultLessKeys, nameof(EarlyStoppingHook));
        if (Rule is not ("greater" or "less")) throw new ArgumentException($"rule must be greater or less, got \"{Rule}\".");
        MinDelta = minDelta;
        Strict = strict;
        CheckFinite = checkFinite;
        Patience = patience;
        StoppingThreshold = stoppingThreshold;
    }

    public string Monitor { get; }

    public string Rule { get; }

    public double MinDelta { get; }

    public bool Strict { get; }

    public bool CheckFinite { get; }

    public int Patience { get; }

    public double? StoppingThreshold { get; }

    protected override Priority DefaultPriority => Priority.Lowest;

    public override void AfterValEpoch(TrainingRunner runner, IReadOnlyDictionary<string, double>? metrics)
    {
        if (!runner.IsTraining || runner.TrainLoop is not { } loop) return;
        if (metrics is null || !metrics.TryGetValue(Monitor, out var value))
        {
            var message = $"EarlyStoppingHook monitors '{Monitor}', which the validation did not report.";
            if (Strict) throw new RunnerException(message);
            runner.Logger.Warn(message + " Skipped.");
            return;
        }
        var greater = Rule == "greater";
        if (CheckFinite && !double.IsFinite(value))
        {
            Stop(runner, loop, $"{Monitor} is {value.ToString(CultureInfo.InvariantCulture)}");
            return;
        }
        if (StoppingThreshold is { } threshold && (greater ? value >= threshold : value <= threshold))
        {
            runner.MessageHub.UpdateInfo("early_stopping_best", value);
            Stop(runner, loop, $"{Monitor} reached the stopping threshold {threshold.ToString(CultureInfo.InvariantCulture)}");
            return;
        }
        var best = runner.MessageHub.RuntimeInfo.TryGetValue("early_stopping_best", out var stored) && stored is not null
            ? Convert.ToDouble(stored, CultureInfo.InvariantCulture) : greater ? double.NegativeInfinity : double.PositiveInfinity;
        var wait = runner.MessageHub.RuntimeInfo.TryGetValue("early_stopping_wait", out var waited) && waited is not null
            ? Convert.ToInt32(waited, CultureInfo.InvariantCulture) : 0;
        var improved = greater ? value > best + MinDelta : value < best - MinDelta;
        if (improved)
        {
            runner.MessageHub.UpdateInfo("early_stopping_best", value);
            runner.MessageHub.UpdateInfo("early_stopping_wait", 0);
            return;
        }
        runner.MessageHub.UpdateInfo("early_stopping_wait", ++wait);
        if (wait >= Patience)
            Stop(runner, loop, $"{Monitor} has not improved on {best.ToString(CultureInfo.InvariantCulture)} by more than {MinDelta.ToString(CultureInfo.InvariantCulture)} for {wait} validations");
    }

    private static void Stop(TrainingRunner runner, Running.Loops.BaseTrainLoop loop, string reason)
    {
        loop.StopTraining = true;
        runner.Logger.Info($"Early stopping: {reason}. Training stops after this epoch.");
    }
}
