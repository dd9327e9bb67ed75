namespace Runner.Sdk.Configuration;

/// <summary>
/// A mistake in a config: <c>file(line,col): key.path: what is wrong</c>, and on the next line a hint to fix it.
/// Built only through the factory methods, so every message has the same shape.
/// </summary>
public sealed class ConfigException : RunnerException
{
    private ConfigException(string message) : base(message) { }

    /// <summary>Where the problem is, when known.</summary>
    public SourceLocation? Location { get; private init; }

    /// <summary>The dotted key path of the value at fault, when known.</summary>
    public string? KeyPath { get; private init; }

    /// <summary>A config error at <paramref name="location"/>, naming the key and the problem, with a hint when one is known.</summary>
    /// <param name="location">Where the key was written; null for a problem with no place (a missing key).</param>
    /// <param name="keyPath">The dotted key, e.g. <c>train_dataloader.batch_size</c>.</param>
    /// <param name="problem">What is wrong, as a sentence.</param>
    /// <param name="hint">How to fix it, or null.</param>
    /// <example><code>throw ConfigException.At(table.LocationOf("size"), table.PathOf("size"), "must be even.", "use 32 or 64.");</code></example>
    public static ConfigException At(SourceLocation? location, string? keyPath, string problem, string? hint = null)
    {
        var where = location is null ? "" : location + ": ";
        var key = string.IsNullOrEmpty(keyPath) ? "" : keyPath + ": ";
        var message = where + key + problem + (hint is null ? "" : Environment.NewLine + "  hint: " + hint);
        return new ConfigException(message) { Location = location, KeyPath = keyPath };
    }

    internal static ConfigException FileNotFound(string path, SourceLocation? includedFrom = null) =>
        includedFrom is null
            ? At(null, null, $"config file '{path}' does not exist.", "check the path given to --config.")
            : At(includedFrom, "_base_", $"base config '{path}' does not exist.",
                "paths in _base_ are relative to the file that lists them.");

    /// <summary>Several problems, one per line (each with its own location and hint).</summary>
    public static ConfigException Several(IReadOnlyList<RunnerException> problems) =>
        new($"{problems.Count} problems in the config:{Environment.NewLine}" +
            string.Join(Environment.NewLine, problems.Select(p => "- " + p.Message.Replace(Environment.NewLine, Environment.NewLine + "  "))));

    internal static ConfigException Syntax(IEnumerable<string> diagnostics) =>
        new(string.Join(Environment.NewLine, diagnostics));
}
