namespace Runner.Sdk.Configuration;

/// <summary>Where a config value was written: a file with a 1-based line and column, or another origin such as
/// <c>--cfg-options</c> (line 0).</summary>
public sealed record SourceLocation(string File, int Line = 0, int Column = 0)
{
    /// <summary>The origin of values given on the command line.</summary>
    public static readonly SourceLocation CommandLine = new("--cfg-options");

    /// <summary>The origin of values given through the C# API.</summary>
    public static readonly SourceLocation Code = new("<code>");

    /// <inheritdoc/>
    public override string ToString() => Line > 0 ? $"{File}({Line},{Column})" : File;
}
