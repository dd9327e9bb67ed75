using System.Text;

namespace Runner.Host;

/// <summary>
/// Writes each line with <c>[rank N] </c> in front, so a rank's errors can be told from rank 0's on a shared terminal.
/// A line goes out in one write, prefix included: the ranks share the terminal (or pipe), and writes of a line's
/// pieces would interleave with the other ranks' (a pipe keeps a write of up to 4 KiB whole).
/// </summary>
public sealed class RankPrefixedWriter(TextWriter inner, int rank) : TextWriter
{
    private readonly string _prefix = $"[rank {rank}] ";
    private readonly StringBuilder _line = new();

    public override Encoding Encoding => inner.Encoding;

    public override void Write(char value)
    {
        _line.Append(value);
        if (value == '\n') WriteLineOut();
    }

    public override void Write(string? value)
    {
        var text = value.AsSpan();
        for (var newline = text.IndexOf('\n'); newline >= 0; newline = text.IndexOf('\n'))
        {
            _line.Append(text[..(newline + 1)]);
            WriteLineOut();
            text = text[(newline + 1)..];
        }
        _line.Append(text);
    }

    public override void WriteLine(string? value) => Write(value + "\n");

    /// <summary>Writes out a line begun but not ended, then flushes.</summary>
    public override void Flush()
    {
        if (_line.Length > 0) WriteLineOut();
        inner.Flush();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) Flush();
        base.Dispose(disposing);
    }

    private void WriteLineOut()
    {
        inner.Write(_prefix + _line);
        _line.Clear();
    }
}
