using Runner.Sdk.Configuration;
using Runner.Sdk.Registries;

namespace Runner.Sdk.Inference;

/// <summary>How an <see cref="Inferencer"/> is made: which config, plugins, device and libtorch; all optional.</summary>
public sealed class InferencerOptions
{
    /// <summary>
    /// A config file to build the model and the pipeline from, instead of the config the checkpoint holds (a plain
    /// safetensors file holds none, so it needs one).
    /// </summary>
    public string? ConfigPath { get; init; }

    /// <summary>A loaded config, instead of <see cref="ConfigPath"/> or the checkpoint's.</summary>
    public ConfigTable? Config { get; init; }

    /// <summary>
    /// More plugin folders to load (each plugin in a load context of its own, as <c>runner-host</c> loads them), after
    /// <c>plugins/</c> beside the application (when there is one) and the <c>plugins</c> a given config file names.
    /// The <c>plugins</c> of a checkpoint's own config are never loaded: a checkpoint is data and does not choose code.
    /// </summary>
    public IReadOnlyList<string>? PluginFolders { get; init; }

    /// <summary>Registries already filled (e.g. with <see cref="RegistryRoot.RegisterAssembly"/>); then no plugin is loaded.</summary>
    public RegistryRoot? Registries { get; init; }

    /// <summary><c>cpu</c> (default), <c>cuda</c>, <c>cuda:N</c> or <c>auto</c>.</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>A libtorch <c>lib</c> folder to run on (default: <c>RUNNER_LIBTORCH</c>, else the application's own <c>libtorch/</c>).</summary>
    public string? LibTorch { get; init; }

    /// <summary>Where warnings go (a weight the checkpoint lacks, a plugin folder skipped); default: standard error.</summary>
    public Action<string>? Warn { get; init; }
}
