using Runner.Sdk.Registries;

namespace Runner.Sdk.Running;

/// <summary>
/// One entry of <c>log_processor.custom_cfg</c> (MMEngine's): log <c>data_src</c> (e.g. <c>loss</c>) as
/// <c>log_name</c>, reduced with <c>method_name</c> (mean, max, min, current) over <c>window_size</c> — a number of
/// iterations, <c>"epoch"</c> (since the epoch began) or <c>"global"</c> (since training began). Plain options:
/// checked with the rest of the config.
/// </summary>
[ConfigOptions]
public sealed record CustomLogSetting
{
    /// <param name="dataSrc">The logged scalar to reduce (without its <c>train/</c> prefix).</param>
    /// <param name="logName">The name it is logged as; default: <paramref name="dataSrc"/>.</param>
    /// <param name="methodName">mean, max, min or current.</param>
    /// <param name="windowSize">A positive number of iterations, "epoch" or "global"; default: the log processor's window.</param>
    public CustomLogSetting(string dataSrc, string? logName = null, string methodName = "mean", object? windowSize = null)
    {
        if (methodName is not ("mean" or "max" or "min" or "current"))
            throw new ArgumentException($"must be mean, max, min or current, got \"{methodName}\".", nameof(methodName));
        (WindowSize, WindowKind) = windowSize switch
        {
            null => (null, null),
            long n and > 0 and <= int.MaxValue => ((int?)n, (string?)null),
            int n and > 0 => (n, null),
            "epoch" or "global" => (null, (string)windowSize),
            var other => throw new ArgumentException($"must be a positive number of iterations, \"epoch\" or \"global\", got {other}.", nameof(windowSize)),
        };
        DataSrc = dataSrc;
        LogName = logName ?? dataSrc;
        MethodName = methodName;
    }

    /// <summary>The scalar to read (a key logged under the mode, e.g. <c>loss</c>).</summary>
    public string DataSrc { get; }

    /// <summary>The name the statistic is logged under (default: <see cref="DataSrc"/>).</summary>
    public string LogName { get; }

    /// <summary>The statistic: <c>mean</c>, <c>min</c>, <c>max</c> or <c>current</c>.</summary>
    public string MethodName { get; }

    /// <summary>The window in iterations; null for the log processor's own, or for <see cref="WindowKind"/>.</summary>
    public int? WindowSize { get; }

    /// <summary>"epoch" or "global"; null for a window of iterations.</summary>
    public string? WindowKind { get; }
}
