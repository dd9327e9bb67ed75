namespace Runner.Host.Plugins;

using System.Reflection;
using McMaster.NETCore.Plugins;
using Runner.Sdk.Registries;

/// <summary>One plugin loaded into its own load context, with what it registered.</summary>
public sealed record LoadedPlugin(string Name, string Path, Version Version, Version? SdkVersion, Assembly Assembly, PluginLoader Loader,
    IReadOnlyList<RegistryEntry> Registered);
