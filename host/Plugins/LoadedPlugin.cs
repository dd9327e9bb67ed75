namespace Runner.Host.Plugins;

using System.Reflection;
using Runner.Sdk.Registries;

/// <summary>One plugin loaded into its own load context, with what it registered.</summary>
public sealed record LoadedPlugin(string Name, string Path, Version Version, Version? SdkVersion, Assembly Assembly, PluginContext Loader,
    IReadOnlyList<RegistryEntry> Registered);
