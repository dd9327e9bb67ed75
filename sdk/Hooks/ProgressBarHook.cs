namespace Runner.Sdk.Hooks;

using System.Globalization;
using Runner.Sdk.Data;
using Runner.Sdk.Registries;
using Runner.Sdk.Running;

/// <summary>
/// A progress bar for validation and test loops, redrawn in place on the terminal
/// (<c>val [##########----------] 16/32  eta 0:00:01</c>) and erased when the loop ends, so only the log lines stay.
/// The host adds it when standard error is a terminal; when it is not (a file, a pipe, CI), nothing is drawn.
/// </summary>
[Register]
public sealed class ProgressBarHook : Hook
{
    private const int BarWidth = 30;
    private readonly TextWriter _output;
    private System.Diagnostics.Stopwatch? _watch;

    /// <param name="always">Draw even when standard error is not a terminal.</param>
    public ProgressBarHook(bool always = false) : this(Console.Error, always || !Console.IsErrorRedirected) { }

    /// <summary>Draws on <paramref name="output"/> when <paramref name="enabled"/>.</summary>
    public ProgressBarHook(TextWriter output, bool enabled)
    {
        _output = output;
        Enabled = enabled;
    }

    public bool Enabled { get; }

    protected override Priority DefaultPriority => Priority.Lowest;

    protected override void BeforeEpoch(Runner runner, string mode)
    {
        if (mode != "train") _watch = System.Diagnostics.Stopwatch.StartNew();
    }

    protected override void AfterIter(Runner runner, int batchIdx, DataBatch? dataBatch, string mode)
    {
        if (!Enabled || mode == "train") return;
        var total = Math.Max(runner.DataloaderLength(mode), 1);
        var done = batchIdx + 1;
        var filled = BarWidth * done / total;
        var remaining = _watch is null ? 0 : _watch.Elapsed.TotalSeconds / done * (total - done);
        _output.Write(string.Create(CultureInfo.InvariantCulture,
            $"\r{mode} [{new string('#', filled)}{new string('-', BarWidth - filled)}] {done}/{total}  eta {Logging.LogProcessor.FormatTimeSpan(remaining)}"));
        _output.Flush();
    }

    protected override void AfterEpoch(Runner runner, string mode)
    {
        if (!Enabled || mode == "train") return;
        _output.Write("\r\u001b[2K"); // erase the bar: the epoch's log line says the rest
        _output.Flush();
    }
}
