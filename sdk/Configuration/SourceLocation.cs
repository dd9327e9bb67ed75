namespace Runner.Sdk.Configuration;

/// <summary>Where a config value was written: a file with a 1-based line and column, or another origin such as
/// <c>--cfg-options</c> (line 0), told apart by <see cref="Kind"/>.</summary>
public sealed record SourceLocation(string File, int Line = 0, int Column = 0)
{
    /// <summary>What kind of origin this is: a file (the default), a command-line option, or code.</summary>
    public SourceKind Kind { get; init; } = SourceKind.File;

    /// <summary>The origin of values given on the command line.</summary>
    public static readonly SourceLocation CommandLine = Option("--cfg-options");

    /// <summary>The origin of a value a command-line option set (<c>--device</c>, <c>--libtorch</c>), as errors name it.</summary>
    public static SourceLocation Option(string name) => new(name) { Kind = SourceKind.CommandLine };

    /// <summary>The origin of values given through the C# API.</summary>
    public static readonly SourceLocation Code = new("<code>") { Kind = SourceKind.Code };

    /// <inheritdoc/>
    public override string ToString() => Line > 0 ? $"{File}({Line},{Column})" : File;
}

/// <summary>What kind of origin a <see cref="SourceLocation"/> is.</summary>
public enum SourceKind
{
    /// <summary>A config file (with its line and column), or a file-like origin such as a checkpoint's saved config.</summary>
    File,
    /// <summary>A command-line option (<c>--cfg-options</c>, <c>--device</c>…).</summary>
    CommandLine,
    /// <summary>The C# API.</summary>
    Code,
}
