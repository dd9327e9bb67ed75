using System.Collections.Concurrent;

namespace Runner.Tests.Support;

/// <summary>
/// The lines a child process writes, read in the background, so that a test waits for the one it needs with a
/// deadline: a pause in the output (a loaded machine, a rebuild running beside it) is no failure; the deadline passing,
/// or the process ending without the line, is.
/// </summary>
public sealed class OutputLines
{
    private readonly BlockingCollection<string> _lines = [];
    private readonly List<string> _seen = [];

    public OutputLines(TextReader reader) => _ = Task.Run(() =>
    {
        while (reader.ReadLine() is { } line) _lines.Add(line);
        _lines.CompleteAdding();
    });

    /// <summary>Waits for the next line containing <paramref name="text"/> and returns it; fails the test when it does not come within <paramref name="within"/>.</summary>
    public string WaitFor(string text, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            if (_lines.TryTake(out var line, deadline - DateTime.UtcNow))
            {
                _seen.Add(line);
                if (line.Contains(text, StringComparison.Ordinal)) return line;
            }
            else if (_lines.IsCompleted)
            {
                Assert.Fail($"The process ended without printing '{text}'. Its output ended with:\n{Tail()}");
            }
        }
        Assert.Fail($"'{text}' was not printed within {within.TotalSeconds:0} s. The output so far ends with:\n{Tail()}");
        return "";
    }

    private string Tail() => string.Join('\n', _seen.TakeLast(20));
}
