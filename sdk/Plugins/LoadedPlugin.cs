using System.Reflection;
using Runner.Sdk.Registries;

namespace Runner.Sdk.Plugins;

/// <summary>One plugin loaded into its own load context, with what it registered.</summary>
public sealed class LoadedPlugin
{
    internal LoadedPlugin(string name, string path, Version version, Version? sdkVersion, Assembly assembly, PluginContext loader,
        IReadOnlyList<RegistryEntry> registered)
    {
        Name = name;
        Path = path;
        Version = version;
        SdkVersion = sdkVersion;
        Assembly = assembly;
        Loader = loader;
        Registered = registered;
    }

    /// <summary>The plugin's assembly name.</summary>
    public string Name { get; }

    /// <summary>The plugin's assembly file.</summary>
    public string Path { get; }

    /// <summary>The plugin's assembly version.</summary>
    public Version Version { get; }

    /// <summary>The Runner.Sdk version it was built against (null when it does not reference the SDK).</summary>
    public Version? SdkVersion { get; }

    /// <summary>The loaded assembly.</summary>
    public Assembly Assembly { get; }

    /// <summary>The components it registered.</summary>
    public IReadOnlyList<RegistryEntry> Registered { get; }

    /// <summary>Its load context.</summary>
    internal PluginContext Loader { get; }
}
