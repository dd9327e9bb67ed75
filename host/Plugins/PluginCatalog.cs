namespace Runner.Host.Plugins;

using McMaster.NETCore.Plugins;
using Runner.Sdk.Registries;

/// <summary>
/// Finds plugin assemblies in plugin folders and loads each into its own collectible load context
/// (McMaster.NETCore.Plugins), sharing the SDK, TorchSharp, NLog and Tomlyn with the host so that a plugin's
/// models, tensors and loggers are the host's own types; then registers their components.
/// </summary>
/// <remarks>
/// A plugin is a <c>Name.dll</c> with its <c>Name.deps.json</c> beside it (what a project with
/// <c>EnableDynamicLoading</c> builds), in a plugin folder or in one of its sub-folders.
/// </remarks>
public sealed class PluginCatalog : IDisposable
{
    private static readonly Type[] SharedTypes =
    [
        typeof(RegistryRoot),
        typeof(TorchSharp.torch),
        typeof(NLog.Logger),
        typeof(Tomlyn.TomlSerializer),
    ];

    private readonly List<LoadedPlugin> _plugins = [];

    public IReadOnlyList<LoadedPlugin> Plugins => _plugins;

    /// <summary>The plugin assemblies in <paramref name="folder"/> and its direct sub-folders.</summary>
    public static IEnumerable<string> FindPluginAssemblies(string folder) =>
        new[] { folder }.Concat(Directory.EnumerateDirectories(folder).Order(StringComparer.Ordinal))
            .SelectMany(dir => Directory.EnumerateFiles(dir, "*.deps.json").Order(StringComparer.Ordinal))
            .Select(deps => deps[..^".deps.json".Length] + ".dll")
            .Where(File.Exists);

    /// <summary>Loads every plugin of every folder into <paramref name="registries"/>.</summary>
    /// <param name="folders">(folder, where it was named) pairs, in order.</param>
    public static PluginCatalog Load(IEnumerable<(string Folder, string Origin)> folders, RegistryRoot registries)
    {
        var catalog = new PluginCatalog();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (folder, origin) in folders)
        {
            var full = Path.GetFullPath(folder);
            if (!Directory.Exists(full)) throw PluginLoadException.MissingFolder(folder, origin);
            foreach (var assemblyPath in FindPluginAssemblies(full))
                if (seen.Add(assemblyPath)) catalog._plugins.Add(LoadOne(assemblyPath, registries));
        }
        return catalog;
    }

    private static LoadedPlugin LoadOne(string assemblyPath, RegistryRoot registries)
    {
        var name = Path.GetFileNameWithoutExtension(assemblyPath);
        PluginLoader? loader = null;
        try
        {
            loader = PluginLoader.CreateFromAssemblyFile(assemblyPath, isUnloadable: true, sharedTypes: SharedTypes);
            var assembly = loader.LoadDefaultAssembly();
            var registered = registries.RegisterAssembly(assembly, provider: $"plugin {name}");
            return new LoadedPlugin(name, assemblyPath, assembly, loader, registered);
        }
        catch (Exception e) when (e is not Runner.Sdk.RunnerException)
        {
            loader?.Dispose();
            throw PluginLoadException.Failed(name, assemblyPath, e);
        }
    }

    public void Dispose()
    {
        foreach (var plugin in _plugins) plugin.Loader.Dispose();
        _plugins.Clear();
    }
}
