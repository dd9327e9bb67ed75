namespace Runner.Sdk.Logging;

using Runner.Sdk.Configuration;

/// <summary>
/// One entry of <c>log_processor.custom_cfg</c> (MMEngine's): log <c>data_src</c> (e.g. <c>loss</c>) as
/// <c>log_name</c>, reduced with <c>method_name</c> (mean, max, min, current) over <c>window_size</c> — a number of
/// iterations, <c>"epoch"</c> (since the epoch began) or <c>"global"</c> (since training began).
/// </summary>
public sealed record CustomLogSetting(string DataSrc, string LogName, string MethodName, int? WindowSize, string? WindowKind)
{
    public static CustomLogSetting From(ConfigTable table, bool byEpoch)
    {
        var known = new[] { "data_src", "log_name", "method_name", "window_size" };
        if (table.Keys.FirstOrDefault(k => !known.Contains(k)) is { } unknown)
            throw new ArgumentException($"custom_cfg has no option '{unknown}' (valid: {string.Join(", ", known)}).");
        var source = table["data_src"] as string ?? throw new ArgumentException("each custom_cfg entry needs data_src.");
        var method = table["method_name"] as string ?? "mean";
        if (method is not ("mean" or "max" or "min" or "current"))
            throw new ArgumentException($"custom_cfg method_name must be mean, max, min or current, got \"{method}\".");
        var (size, kind) = table["window_size"] switch
        {
            null => (null, null),
            long n when n > 0 => ((int?)n, (string?)null),
            "epoch" when !byEpoch => throw new ArgumentException("window_size cannot be \"epoch\" when the log processor counts iterations (by_epoch = false)."),
            "epoch" or "global" => (null, (string)table["window_size"]!),
            var other => throw new ArgumentException($"window_size should be int, epoch or global, but got {other}."),
        };
        return new CustomLogSetting(source, table["log_name"] as string ?? source, method, size, kind);
    }
}
