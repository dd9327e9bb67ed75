using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Runner.Sdk.Registries;

namespace Runner.Sdk.Running;

/// <summary>
/// Formats MMEngine's log lines from the message hub, character for character, e.g.
/// <c>Epoch(train) [1][ 50/128]  lr: 1.0000e-02  eta: 0:00:02  time: 0.0080  data_time: 0.0003  loss: 2.2696</c> and
/// <c>Epoch(val) [1][32/32]    accuracy/top1: 29.9805  data_time: 0.0001  time: 0.0004</c>; and returns the
/// values of each line (the "tag") for the visualizer.
/// </summary>
[Register]
[ComponentKind("log processor", 13)]
public class LogProcessor
{
    private readonly Regex _meanPattern;

    /// <param name="windowSize">How many recent iterations time and losses are averaged over.</param>
    /// <param name="byEpoch">Epoch-style (<c>Epoch(train) [e][i/n]</c>) or iteration-style (<c>Iter(train) [i/n]</c>) lines.</param>
    /// <param name="numDigits">Digits after the point.</param>
    /// <param name="meanPattern">Keys averaged over the window; the others show their latest value.</param>
    /// <param name="customCfg">Per-key statistics: <c>[{ data_src = "loss", log_name = "loss_avg", method_name = "mean", window_size = "global" }]</c>.</param>
    public LogProcessor(int windowSize = 10, bool byEpoch = true, int numDigits = 4, string meanPattern = ".*(loss|time|data_time|grad_norm).*",
        CustomLogSetting[]? customCfg = null)
    {
        if (windowSize < 1) throw new ArgumentException($"window_size must be at least 1, got {windowSize}.");
        WindowSize = windowSize;
        ByEpoch = byEpoch;
        NumDigits = numDigits;
        // Interpreted, not compiled: it is matched against a handful of keys per log line, and compiling it to IL would
        // cost every run ~20 ms of start-up.
        _meanPattern = new Regex(meanPattern);
        CustomCfg = customCfg ?? [];
        if (!byEpoch && CustomCfg.Any(c => c.WindowKind == "epoch"))
            throw new ArgumentException("custom_cfg: window_size cannot be \"epoch\" when the log processor counts iterations (by_epoch = false).");
        var duplicate = CustomCfg.GroupBy(c => c.LogName).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new ArgumentException($"custom_cfg defines '{duplicate.Key}' twice; give each entry its own log_name.");
    }

    /// <summary>Extra statistics to log (MMEngine's <c>custom_cfg</c>).</summary>
    public IReadOnlyList<CustomLogSetting> CustomCfg { get; }

    /// <summary>Iterations the logged means are taken over.</summary>
    public int WindowSize { get; }

    /// <summary>Whether log lines count epochs (<c>Epoch(train) [e][i/n]</c>) or iterations.</summary>
    public bool ByEpoch { get; }

    /// <summary>Digits after the decimal point in log lines.</summary>
    public int NumDigits { get; }

    /// <summary>The line after a train, val or test iteration.</summary>
    public (Dictionary<string, double> Tag, string Line) GetLogAfterIter(TrainingRunner runner, int batchIdx, Mode mode)
    {
        var logTag = CollectScalars(runner, mode, WindowSize, batchIdx);
        var tag = new Dictionary<string, double>(logTag);

        var lrItems = new List<string>();
        foreach (var key in logTag.Keys.Where(k => k.EndsWith("lr", StringComparison.Ordinal)).ToList())
        {
            lrItems.Add($"{key}: {Scientific(logTag[key])}");
            logTag.Remove(key);
        }

        var line = new StringBuilder();
        var loaderLength = runner.DataloaderLength(mode);
        if (ByEpoch)
        {
            var current = (batchIdx + 1).ToString(CultureInfo.InvariantCulture).PadLeft(loaderLength.ToString(CultureInfo.InvariantCulture).Length);
            if (mode is Mode.Train or Mode.Val)
            {
                var epoch = mode == Mode.Train ? runner.Epoch + 1 : runner.TrainLoopBuilt ? runner.Epoch : 0;
                var epochText = $"[{epoch}]";
                if (runner.TrainLoopBuilt) epochText = epochText.PadLeft(runner.MaxEpochs.ToString(CultureInfo.InvariantCulture).Length + 3);
                tag["epoch"] = epoch;
                line.Append($"Epoch({mode.Key()}){epochText}[{current}/{loaderLength}]  ");
            }
            else
            {
                line.Append($"Epoch({mode.Key()}) [{current}/{loaderLength}]  ");
            }
        }
        else if (mode == Mode.Train)
        {
            var current = (runner.Iter + 1).ToString(CultureInfo.InvariantCulture).PadLeft(runner.MaxIters.ToString(CultureInfo.InvariantCulture).Length);
            line.Append($"Iter({mode.Key()}) [{current}/{runner.MaxIters}]  ");
        }
        else
        {
            var current = (batchIdx + 1).ToString(CultureInfo.InvariantCulture).PadLeft(loaderLength.ToString(CultureInfo.InvariantCulture).Length);
            line.Append($"Iter({mode.Key()}) [{current}/{loaderLength}]  ");
        }
        tag["iter"] = runner.TrainLoopBuilt ? runner.Iter + 1 : 0;

        line.Append(string.Join(' ', lrItems)).Append("  ");
        if (logTag.ContainsKey("time") && logTag.ContainsKey("data_time") && runner.MessageHub.RuntimeInfo.ContainsKey("eta"))
        {
            var eta = Convert.ToDouble(runner.MessageHub.RuntimeInfo["eta"], CultureInfo.InvariantCulture);
            line.Append($"eta: {FormatTimeSpan(eta)}  time: {Fixed(logTag["time"])}  data_time: {Fixed(logTag["data_time"])}  ");
            logTag.Remove("time");
            logTag.Remove("data_time");
        }
        if (mode is Mode.Train or Mode.Val)
        {
            var items = logTag.Where(kv => mode != Mode.Val || kv.Key.StartsWith("val/loss", StringComparison.Ordinal))
                .Select(kv => $"{kv.Key}: {Fixed(kv.Value)}");
            line.Append(string.Join("  ", items));
        }
        return (tag, line.ToString());
    }

    /// <summary>The line after a val or test epoch: the metrics, then the epoch's mean data_time and time.</summary>
    public (Dictionary<string, double> Tag, string Line) GetLogAfterEpoch(TrainingRunner runner, int batchIdx, Mode mode)
    {
        var loaderLength = runner.DataloaderLength(mode);
        var line = new StringBuilder();
        if (ByEpoch)
        {
            line.Append(mode == Mode.Val
                ? $"Epoch({mode.Key()}) [{(runner.TrainLoopBuilt ? runner.Epoch : 0)}][{loaderLength}/{loaderLength}]  "
                : $"Epoch({mode.Key()}) [{loaderLength}/{loaderLength}]  ");
        }
        else
        {
            line.Append($"Iter({mode.Key()}) [{loaderLength}/{loaderLength}]  ");
        }

        var collected = CollectScalars(runner, mode, WindowSize, batchIdx, epochWindow: batchIdx + 1);
        var tag = new Dictionary<string, double>();
        var timeTag = new Dictionary<string, double>();
        foreach (var (key, value) in collected)
        {
            if (key is "time" or "data_time") timeTag[key] = value;
            else tag[key] = value;
        }
        line.Append("  ");
        line.Append(string.Join("  ", tag.Concat(timeTag).Select(kv => $"{kv.Key}: {Fixed(kv.Value)}")));
        foreach (var (key, value) in timeTag) tag[key] = value;
        return (tag, line.ToString());
    }

    /// <summary>Every scalar logged under <c>mode/</c>, prefix removed: window means for the mean pattern, latest values otherwise.
    /// With <paramref name="epochWindow"/>, time and data_time are averaged over the epoch instead.</summary>
    private Dictionary<string, double> CollectScalars(TrainingRunner runner, Mode mode, int window, int batchIdx, int? epochWindow = null)
    {
        var prefix = mode.Key() + "/";
        var tag = new Dictionary<string, double>();
        foreach (var fullKey in runner.MessageHub.ScalarKeys)
        {
            if (!fullKey.StartsWith(prefix, StringComparison.Ordinal)) continue;
            var key = fullKey[prefix.Length..];
            var buffer = runner.MessageHub.GetScalar(fullKey)!;
            tag[key] = epochWindow is { } epoch && key is ("time" or "data_time")
                ? buffer.Mean(epoch)
                : IsMeanKey(key) ? buffer.Mean(window) : buffer.Current();
        }
        foreach (var custom in CustomCfg)
        {
            if (runner.MessageHub.GetScalar(prefix + custom.DataSrc) is not { } buffer) continue;
            var size = custom.WindowKind switch
            {
                "epoch" => epochWindow ?? batchIdx + 1,
                "global" => runner.Iter + 1,
                _ => custom.WindowSize ?? window,
            };
            tag[custom.LogName] = custom.MethodName switch
            {
                "max" => buffer.Max(size),
                "min" => buffer.Min(size),
                "current" => buffer.Current(),
                _ => buffer.Mean(size),
            };
        }
        return tag;
    }

    /// <summary>Whether <paramref name="key"/> is averaged over the window; the pattern is matched once per key, not once per log line.</summary>
    private bool IsMeanKey(string key)
    {
        if (!_meanKeys.TryGetValue(key, out var mean)) _meanKeys[key] = mean = _meanPattern.IsMatch(key);
        return mean;
    }

    private readonly Dictionary<string, bool> _meanKeys = new(StringComparer.Ordinal);

    private string Fixed(double value) => value.ToString("F" + NumDigits, CultureInfo.InvariantCulture);

    /// <summary>Python's <c>{v:.4e}</c>: <c>1.0000e-02</c>.</summary>
    private string Scientific(double value) =>
        value.ToString("0." + new string('0', NumDigits) + "e+00", CultureInfo.InvariantCulture);

    /// <summary>Python's <c>str(timedelta(seconds=int(s)))</c>: <c>0:00:02</c>, <c>1 day, 2:03:04</c>.</summary>
    public static string FormatTimeSpan(double seconds)
    {
        var whole = (long)seconds;
        var days = whole / 86400;
        var rest = whole % 86400;
        var clock = $"{rest / 3600}:{rest % 3600 / 60:00}:{rest % 60:00}";
        return days == 0 ? clock : $"{days} day{(days == 1 ? "" : "s")}, {clock}";
    }
}
