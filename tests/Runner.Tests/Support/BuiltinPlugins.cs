using Runner.Sdk.Plugins;
using Runner.Sdk.Registries;

namespace Runner.Tests.Support;

/// <summary>The built-in plugins (beside the test assembly, as they are beside the host), as the host loads them.</summary>
public static class BuiltinPlugins
{
    private static readonly Lazy<(RegistryRoot Registries, PluginCatalog Catalog)> Shared = new(() =>
    {
        var registries = new RegistryRoot();
        return (registries, Load(registries));
    });

    /// <summary>The folder they are in.</summary>
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "plugins");

    /// <summary>Registries holding them, loaded once per test run, for tests that only read them.</summary>
    public static RegistryRoot Registries => Shared.Value.Registries;

    /// <summary>Loads them into <paramref name="registries"/> of the caller's own (a test that registers more, or unloads them).</summary>
    public static PluginCatalog Load(RegistryRoot registries) => PluginCatalog.Load([(Folder, "the built-in plugins")], registries);
}
