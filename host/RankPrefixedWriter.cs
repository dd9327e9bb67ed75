namespace Runner.Host;

using System.Text;

/// <summary>Writes each line with <c>[rank N] </c> in front, so a rank's errors can be told from rank 0's on a shared terminal.</summary>
internal sealed class RankPrefixedWriter(TextWriter inner, int rank) : TextWriter
{
    private readonly string _prefix = $"[rank {rank}] ";
    private bool _atLineStart = true;

    public override Encoding Encoding => inner.Encoding;

    public override void Write(char value)
    {
        if (_atLineStart && value != '\n') inner.Write(_prefix);
        inner.Write(value);
        _atLineStart = value == '\n';
    }

    public override void Write(string? value)
    {
        foreach (var c in value ?? "") Write(c);
    }

    public override void WriteLine(string? value)
    {
        Write(value);
        Write('\n');
    }

    public override void Flush() => inner.Flush();
}
