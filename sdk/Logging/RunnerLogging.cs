using System.Globalization;
using NLog;
using NLog.Config;
using NLog.Layouts;
using NLog.Targets;

namespace Runner.Sdk.Logging;

/// <summary>
/// A runner's own NLog factory (not the global <c>LogManager</c>, so runners and tests do not share state): lines
/// go to the console as <c>MM/dd HH:mm:ss - runner - INFO - …</c> and to <c>log_dir/&lt;timestamp&gt;.log</c> as
/// <c>yyyy/MM/dd HH:mm:ss - runner - INFO - …</c>, MMEngine's two formats.
/// </summary>
internal static class RunnerLogging
{
    public const string LoggerName = "runner";

    public static LogFactory Create(string logFile, LogLevel level, TextWriter? console, bool verbose = false)
    {
        var factory = new LogFactory();
        var config = new LoggingConfiguration(factory);
        // Layouts built from methods rather than parsed from "${date:…} - ${logger} - …" strings: the same lines,
        // without the layout parser's start-up cost (~25 ms of every run).
        var file = new FileTarget("file")
        {
            FileName = logFile,
            Layout = Line("yyyy/MM/dd HH:mm:ss"),
            KeepFileOpen = true,
            AutoFlush = true,
            Encoding = System.Text.Encoding.UTF8,
        };
        config.AddRule(level, LogLevel.Fatal, file);
        if (console is not null)
        {
            var target = new TextWriterTarget(console) { Layout = Line("MM/dd HH:mm:ss") };
            var rule = new LoggingRule("*", level, LogLevel.Fatal, target) { FilterDefaultAction = NLog.Filters.FilterResult.Log };
            // The long records (environment, full config, hook order) stay in the file unless the user asks for them.
            if (!verbose)
                rule.Filters.Add(new NLog.Filters.WhenMethodFilter(e => e.Properties.ContainsKey(FileOnlyProperty) ? NLog.Filters.FilterResult.Ignore : NLog.Filters.FilterResult.Neutral));
            config.LoggingRules.Add(rule);
        }
        factory.Configuration = config;
        return factory;
    }

    private const string FileOnlyProperty = "runner.file_only";

    /// <summary>
    /// Logs <paramref name="message"/> at INFO to the run's log file only (the console shows it with <c>--verbose</c> or
    /// <c>log_level = "DEBUG"</c>): for the long records MMEngine prints at the start, which a reader looks up, not reads.
    /// </summary>
    public static void InfoToFile(Logger logger, string message) =>
        logger.ForInfoEvent().Message(message).Property(FileOnlyProperty, true).Log();

    /// <summary>
    /// The logger of a rank other than 0: no file (rank 0 writes the run's log), warnings and errors on the console,
    /// each line prefixed with the rank so that the ranks' lines can be told apart.
    /// </summary>
    public static LogFactory CreateForRank(int rank, TextWriter? console)
    {
        var factory = new LogFactory();
        var config = new LoggingConfiguration(factory);
        if (console is not null)
        {
            var target = new TextWriterTarget(console) { Layout = Line("MM/dd HH:mm:ss", $"[rank {rank}] ") };
            config.AddRule(LogLevel.Warn, LogLevel.Fatal, target);
        }
        factory.Configuration = config;
        return factory;
    }

    /// <summary><c>TIME - logger - LEVEL - message</c>, and the exception on the lines below when there is one.</summary>
    private static Layout Line(string timeFormat, string prefix = "") => Layout.FromMethod(e =>
    {
        var line = $"{prefix}{e.TimeStamp.ToString(timeFormat, CultureInfo.InvariantCulture)} - {e.LoggerName} - {e.Level.Name.ToUpperInvariant()} - {e.FormattedMessage}";
        return e.Exception is null ? line : line + Environment.NewLine + e.Exception;
    });

    /// <summary>Writes rendered lines to a <see cref="TextWriter"/> (the console, or a test's capture).</summary>
    private sealed class TextWriterTarget(TextWriter writer) : TargetWithLayout
    {
        protected override void Write(LogEventInfo logEvent)
        {
            lock (writer) writer.WriteLine(RenderLogEvent(Layout, logEvent));
        }
    }
}
