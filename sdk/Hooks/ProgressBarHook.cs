using System.Globalization;
using Runner.Sdk.Data;
using Runner.Sdk.Registries;
using Runner.Sdk.Running;

namespace Runner.Sdk.Hooks;

/// <summary>
/// A progress bar on the terminal, redrawn in place after each iteration: for training
/// (<c>train [#####---------------] 12/40  epoch 3/20  loss 0.1234  85.3 it/s  eta 0:00:10</c>) and for validation and
/// test loops (<c>val [##########----------] 16/32  eta 0:00:01</c>), erased when the loop's epoch ends. The cursor is
/// left at the start of the bar's line, so a log line printed meanwhile (at least as long as the bar) simply replaces
/// it, and the bar is drawn again below. The host adds it when standard error is a terminal; when it is not (a file,
/// a pipe, CI), nothing is drawn. In a config: <c>custom_hooks = [{ type = "ProgressBarHook", always = true }]</c>.
/// </summary>
[Register]
public sealed class ProgressBarHook : Hook
{
    private const int BarWidth = 20;
    private const int TrainBarWidth = 10; // the training bar carries more, and must stay shorter than the log lines
    private readonly TextWriter _output;
    private System.Diagnostics.Stopwatch? _watch;

    /// <param name="always">Draw even when standard error is not a terminal.</param>
    public ProgressBarHook(bool always = false) : this(Console.Error, always || !Console.IsErrorRedirected) { }

    /// <summary>Draws on <paramref name="output"/> when <paramref name="enabled"/> (the host's; not a config option).</summary>
    internal ProgressBarHook(TextWriter output, bool enabled)
    {
        _output = output;
        Enabled = enabled;
    }

    /// <summary>Whether the bar is drawn (standard error is a terminal, or <c>always</c> was set).</summary>
    public bool Enabled { get; }

    /// <inheritdoc/>
    protected override Priority DefaultPriority => Priority.Lowest;

    /// <inheritdoc/>
    protected override void BeforeEpoch(TrainingRunner runner, Mode mode) => _watch = System.Diagnostics.Stopwatch.StartNew();

    /// <summary>Before an epoch's last iteration, the bar goes: the lines that end an epoch ("Exp name…",
    /// "Saving checkpoint…", the epoch's log line) may be shorter than the bar, and would not cover it.</summary>
    protected override void BeforeIter(TrainingRunner runner, int batchIdx, DataBatch dataBatch, Mode mode)
    {
        if (Enabled && batchIdx + 1 >= runner.DataloaderLength(mode)) Erase();
    }

    /// <inheritdoc/>
    protected override void AfterIter(TrainingRunner runner, int batchIdx, DataBatch dataBatch, Mode mode)
    {
        if (!Enabled) return;
        var total = Math.Max(runner.DataloaderLength(mode), 1);
        var done = Math.Min(batchIdx + 1, total);
        if (done == total) return; // erased before this last iteration (BeforeIter)
        var width = mode == Mode.Train ? TrainBarWidth : BarWidth;
        var filled = width * done / total;
        var seconds = _watch?.Elapsed.TotalSeconds ?? 0;
        var rate = seconds > 0 ? done / seconds : 0;
        var bar = $"{mode.Key()} [{new string('#', filled)}{new string('-', width - filled)}] {done}/{total}";
        string line;
        if (mode == Mode.Train)
        {
            var loss = runner.MessageHub.GetScalar("train/loss") is { } history ? string.Create(CultureInfo.InvariantCulture, $"  loss {history.Current():0.0000}") : "";
            var left = rate > 0 ? (runner.MaxIters - runner.Iter - 1) / rate : 0;
            line = string.Create(CultureInfo.InvariantCulture,
                $"{bar}  epoch {runner.Epoch + 1}/{runner.MaxEpochs}{loss}  {rate:0.0} it/s  eta {LogProcessor.FormatTimeSpan(Math.Max(left, 0))}");
        }
        else
        {
            line = string.Create(CultureInfo.InvariantCulture, $"{bar}  eta {LogProcessor.FormatTimeSpan(rate > 0 ? (total - done) / rate : 0)}");
        }
        _output.Write($"\r\u001b[2K{line}\r");
        _output.Flush();
    }

    /// <inheritdoc/>
    protected override void AfterEpoch(TrainingRunner runner, Mode mode)
    {
        if (Enabled) Erase(); // an epoch that ended early (a stop request) leaves no bar behind
    }

    private void Erase()
    {
        _output.Write("\r\u001b[2K");
        _output.Flush();
    }
}
