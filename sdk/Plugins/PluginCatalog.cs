using Runner.Sdk.Registries;

namespace Runner.Sdk.Plugins;

/// <summary>
/// Finds plugin assemblies in plugin folders and loads each into its own collectible load context
/// (<see cref="PluginContext"/>, built with McMaster.NETCore.Plugins), sharing the SDK, TorchSharp, NLog and Tomlyn
/// with the host so that a plugin's models, tensors and loggers are the host's own types; then registers their
/// components.
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

    /// <summary>The assemblies plugins share with the host (those of <see cref="SharedTypes"/>).</summary>
    internal static IEnumerable<System.Reflection.Assembly> SharedAssemblies => SharedTypes.Select(t => t.Assembly).Distinct();

    private PluginCatalog() { }

    private readonly List<LoadedPlugin> _plugins = [];
    private readonly List<PluginLoadException> _skipped = [];

    /// <summary>The plugins loaded, in the order they were found.</summary>
    public IReadOnlyList<LoadedPlugin> Plugins => _plugins;

    /// <summary>The plugins that failed to load and were skipped (with <c>skipBroken</c>), each with its reason.</summary>
    public IReadOnlyList<PluginLoadException> Skipped => _skipped;

    /// <summary>The SDK version this host provides to plugins.</summary>
    public static Version HostSdkVersion { get; } = typeof(RegistryRoot).Assembly.GetName().Version!;

    /// <summary>The plugin assemblies in <paramref name="folder"/> and its direct sub-folders.</summary>
    public static IEnumerable<string> FindPluginAssemblies(string folder) =>
        SearchedFolders(folder)
            .SelectMany(dir => Directory.EnumerateFiles(dir, "*.deps.json").Order(StringComparer.Ordinal))
            .Select(deps => deps[..^".deps.json".Length] + ".dll")
            .Where(File.Exists);

    /// <summary>A plugin folder and its direct sub-folders, in order: where plugins are looked for.</summary>
    private static IEnumerable<string> SearchedFolders(string folder) =>
        new[] { folder }.Concat(Directory.EnumerateDirectories(folder).Order(StringComparer.Ordinal));

    /// <summary>
    /// The DLLs in <paramref name="folder"/> and its direct sub-folders that are neither plugins (no
    /// <c>.deps.json</c> of their own) nor named by a plugin's <c>.deps.json</c> as a dependency: most likely a
    /// plugin copied without its <c>.deps.json</c>, which would otherwise be skipped without a word.
    /// </summary>
    internal static IEnumerable<string> FindStrayAssemblies(string folder)
    {
        foreach (var dir in SearchedFolders(folder))
        {
            var manifests = Directory.EnumerateFiles(dir, "*.deps.json").Select(File.ReadAllText).ToList();
            foreach (var dll in Directory.EnumerateFiles(dir, "*.dll").Order(StringComparer.Ordinal))
            {
                var name = Path.GetFileName(dll);
                if (File.Exists(dll[..^".dll".Length] + ".deps.json")) continue;
                if (manifests.Any(m => m.Contains($"\"{name}\"", StringComparison.Ordinal) || m.Contains($"/{name}\"", StringComparison.Ordinal))) continue;
                yield return dll;
            }
        }
    }

    /// <summary>What the catalog noticed but did not fail on (DLLs that are not loaded as plugins), one line each.</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    private readonly List<string> _warnings = [];

    /// <summary>Loads every plugin of every folder into <paramref name="registries"/>.</summary>
    /// <example><code>
    /// var registries = new RegistryRoot();
    /// using var plugins = PluginCatalog.Load([("/opt/runner/plugins", "my app's settings")], registries);
    /// </code></example>
    /// <param name="folders">(folder, where it was named) pairs, in order.</param>
    /// <param name="skipBroken">Skip a plugin that fails to load (listed in <see cref="Skipped"/>) instead of failing.</param>
    /// <param name="inMemory">Read each assembly into memory instead of mapping its file, so a rebuild can overwrite
    /// the file while it is loaded (for <c>--watch</c>).</param>
    public static PluginCatalog Load(IEnumerable<(string Folder, string Origin)> folders, RegistryRoot registries, bool skipBroken = false,
        bool inMemory = false)
    {
        var catalog = new PluginCatalog { InMemory = inMemory };
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (folder, origin) in folders)
        {
            var full = Path.GetFullPath(folder);
            if (!Directory.Exists(full)) throw PluginLoadException.MissingFolder(folder, origin);
            foreach (var stray in FindStrayAssemblies(full))
            {
                catalog._warnings.Add($"{stray} is not loaded: it has no {Path.GetFileNameWithoutExtension(stray)}.deps.json beside it, and no plugin there " +
                    "names it as a dependency (a plugin is built with EnableDynamicLoading and copied with its .deps.json).");
            }
            var found = FindPluginAssemblies(full).ToList();
            if (found.Count == 0)
            {
                catalog._warnings.Add($"{full} ({origin}) holds no plugin: a plugin is an assembly with its .deps.json beside it " +
                    "(the output of dotnet publish for a project with EnableDynamicLoading), in the folder or in a folder of its own there.");
            }
            foreach (var assemblyPath in found)
            {
                if (!seen.Add(assemblyPath)) continue;
                try
                {
                    catalog._plugins.Add(LoadOne(assemblyPath, registries, inMemory));
                }
                catch (PluginLoadException e) when (skipBroken)
                {
                    catalog._skipped.Add(e);
                }
            }
        }
        return catalog;
    }

    /// <summary>Whether assemblies are read into memory (see <see cref="Load"/>).</summary>
    internal bool InMemory { get; private init; }

    /// <summary>Puts <paramref name="replacement"/> (a new build of a plugin) in <paramref name="old"/>'s place.</summary>
    internal void Replace(LoadedPlugin old, LoadedPlugin replacement) => _plugins[_plugins.IndexOf(old)] = replacement;

    /// <summary>Checks a plugin assembly and loads it into a new collectible load context, without registering anything.</summary>
    internal static (PluginInspection Inspection, PluginContext Loader, System.Reflection.Assembly Assembly) Open(string assemblyPath, bool inMemory)
    {
        var name = Path.GetFileNameWithoutExtension(assemblyPath);
        var inspection = PluginInspection.Read(assemblyPath);
        if (inspection.Refusal(assemblyPath, HostSdkVersion) is { } refusal) throw PluginLoadException.Refused(name, assemblyPath, refusal);
        var loader = PluginContext.Create(assemblyPath, SharedAssemblies.Select(a => a.GetName()), inMemory);
        try
        {
            var assembly = loader.LoadDefaultAssembly();
            PluginFolder.Record(assembly, assemblyPath);
            return (inspection, loader, assembly);
        }
        catch
        {
            loader.Dispose();
            throw;
        }
    }

    private static LoadedPlugin LoadOne(string assemblyPath, RegistryRoot registries, bool inMemory)
    {
        var name = Path.GetFileNameWithoutExtension(assemblyPath);
        var provider = $"plugin {name}";
        PluginContext? loader = null;
        try
        {
            (var inspection, loader, var assembly) = Open(assemblyPath, inMemory);
            var registered = registries.RegisterAssembly(assembly, provider);
            return new LoadedPlugin(name, assemblyPath, inspection.Version, inspection.SdkVersion, assembly, loader, registered);
        }
        catch (Exception e) when (e is not PluginLoadException)
        {
            // A plugin that fails halfway through registration leaves none of its components behind.
            registries.Unregister(provider);
            loader?.Dispose();
            throw PluginLoadException.Failed(name, assemblyPath, e);
        }
    }

    /// <summary>Unloads every plugin's load context (once nothing refers to its types any more).</summary>
    public void Dispose()
    {
        foreach (var plugin in _plugins) plugin.Loader.Dispose();
        _plugins.Clear();
    }
}
