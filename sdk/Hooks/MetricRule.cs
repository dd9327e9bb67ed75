namespace Runner.Sdk.Hooks;

/// <summary>
/// Whether greater or less is better for a metric, inferred from its name as MMEngine's CheckpointHook does: an exact
/// match of the key lists first, then a partial one, case-insensitive.
/// </summary>
public static class MetricRule
{
    /// <summary>MMEngine's default names for which greater is better.</summary>
    public static readonly IReadOnlyList<string> DefaultGreaterKeys = ["acc", "top", "AR@", "auc", "precision", "mAP", "mDice", "mIoU", "mAcc", "aAcc"];

    /// <summary>MMEngine's default names for which less is better.</summary>
    public static readonly IReadOnlyList<string> DefaultLessKeys = ["loss"];

    /// <summary>"greater" or "less" for <paramref name="metric"/>; <paramref name="owner"/> (a hook's name) leads the error when neither fits.</summary>
    public static string Infer(string metric, IReadOnlyList<string> greaterKeys, IReadOnlyList<string> lessKeys, string owner)
    {
        var name = metric.ToLowerInvariant();
        if (greaterKeys.Any(k => k.Equals(name, StringComparison.OrdinalIgnoreCase))) return "greater";
        if (lessKeys.Any(k => k.Equals(name, StringComparison.OrdinalIgnoreCase))) return "less";
        if (greaterKeys.Any(k => name.Contains(k.ToLowerInvariant(), StringComparison.Ordinal))) return "greater";
        if (lessKeys.Any(k => name.Contains(k.ToLowerInvariant(), StringComparison.Ordinal))) return "less";
        throw new RunnerException($"{owner}: cannot infer the rule for '{metric}'; set rule = \"greater\" or \"less\".");
    }
}
