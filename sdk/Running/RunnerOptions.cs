using Runner.Sdk.Registries;

namespace Runner.Sdk.Running;

/// <summary>What the caller of <see cref="TrainingRunner.FromConfig"/> decides besides the config itself.</summary>
public sealed class RunnerOptions
{
    /// <summary>The registries to build from (the host's, with its plugins); default: the SDK's built-ins only.</summary>
    public RegistryRoot? Registries { get; init; }

    /// <summary>Where console log lines go; null turns console logging off (the log file is always written).</summary>
    public TextWriter? Console { get; init; } = System.Console.Out;

    /// <summary>The config file the config came from (names the experiment and the default work_dir).</summary>
    public string? ConfigPath { get; init; }

    /// <summary>Hooks the caller adds beside the config's (the host's hot swapper, its progress bar): registered at
    /// construction, so the hook-order table in the log lists them too.</summary>
    public IReadOnlyList<Runner.Sdk.Hooks.Hook> ExtraHooks { get; init; } = [];

    /// <summary>The run's processes; null joins the world the config's <c>launcher</c> names (one process for <c>"none"</c>).</summary>
    public Runner.Sdk.Distributed.ICommunicator? World { get; init; }

    /// <summary>
    /// What the runner is made for, when known. <see cref="Running.Mode.Train"/>: it takes the work dir's lock (one
    /// training run per work dir) when it is made, before it writes anything there, so a second training run is refused
    /// before it writes a byte (otherwise <see cref="TrainingRunner.Train"/> takes the lock when it starts).
    /// <see cref="Running.Mode.Val"/> and <see cref="Running.Mode.Test"/>: its records go to
    /// <c>work_dir/val_&lt;timestamp&gt;/</c> or <c>test_&lt;timestamp&gt;/</c>, apart from the training runs'.
    /// </summary>
    public Mode? Mode { get; init; }

    /// <summary>
    /// Whether the console also shows the long records of the start (the environment, the full config, the hook
    /// order), which otherwise go to the run's log file only (<c>--verbose</c>; <c>log_level = "DEBUG"</c> does the same).
    /// </summary>
    public bool Verbose { get; init; }
}
