namespace Runner.Sdk.Running;

using global::Runner.Sdk.Registries;

/// <summary>What the caller of <see cref="Runner.FromConfig"/> decides besides the config itself.</summary>
public sealed class RunnerOptions
{
    /// <summary>The registries to build from (the host's, with its plugins); default: the SDK's built-ins only.</summary>
    public RegistryRoot? Registries { get; init; }

    /// <summary>Where console log lines go; null turns console logging off (the log file is always written).</summary>
    public TextWriter? Console { get; init; } = System.Console.Out;

    /// <summary>The config file the config came from (names the experiment and the default work_dir).</summary>
    public string? ConfigPath { get; init; }
}
