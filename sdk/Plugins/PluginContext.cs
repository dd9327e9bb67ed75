using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using System.Text.Json;
using McMaster.NETCore.Plugins.Loader;

namespace Runner.Sdk.Plugins;

/// <summary>
/// One plugin's collectible load context, built with McMaster's <see cref="AssemblyLoadContextBuilder"/> the way its
/// <c>PluginLoader</c> builds one for a plugin with shared types, except for where the probing paths come from.
/// </summary>
/// <remarks>
/// <c>PluginLoader</c> reads the host's <c>*.runtimeconfig.json</c> with <c>JsonSerializer</c> for every plugin, to
/// find additional probing paths: its first use costs ~60 ms of reflection, on the path of every run. The runtime
/// has already resolved those paths (<c>PROBING_DIRECTORIES</c>), so they are taken from it; a plugin's own runtime
/// config, which plugins rarely have, is read with <see cref="JsonDocument"/>.
/// </remarks>
internal sealed class PluginContext : IDisposable
{
    private readonly string _mainAssemblyPath;
    private readonly bool _inMemory;
    private bool _disposed;

    private PluginContext(AssemblyLoadContext loadContext, string mainAssemblyPath, bool inMemory)
    {
        LoadContext = loadContext;
        _mainAssemblyPath = mainAssemblyPath;
        _inMemory = inMemory;
    }

    public AssemblyLoadContext LoadContext { get; }

    /// <param name="mainAssemblyPath">The plugin's assembly (its deps.json beside it names its dependencies).</param>
    /// <param name="sharedAssemblies">Assemblies (and what they reference) taken from the host, not the plugin's folder.</param>
    /// <param name="inMemory">Read assemblies into memory instead of mapping their files, so a rebuild can overwrite them.</param>
    public static PluginContext Create(string mainAssemblyPath, IEnumerable<AssemblyName> sharedAssemblies, bool inMemory)
    {
        var builder = new AssemblyLoadContextBuilder()
            .SetMainAssemblyPath(mainAssemblyPath)
            .SetDefaultContext(AssemblyLoadContext.Default)
            .EnableUnloading()
            .IsLazyLoaded(false);
        if (inMemory) builder.PreloadAssembliesIntoMemory().ShadowCopyNativeLibraries();
        foreach (var shared in sharedAssemblies) builder.PreferDefaultLoadContextAssembly(shared);
        foreach (var path in ProbingPaths(mainAssemblyPath)) builder.AddProbingPath(path);
        return new PluginContext(builder.Build(), mainAssemblyPath, inMemory);
    }

    /// <summary>Loads the plugin's own assembly, from its file (mapped), or from a copy in memory.</summary>
    public Assembly LoadDefaultAssembly()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        // Straight from the file, as PluginLoader does: resolving the name would first parse the deps.json.
        if (!_inMemory) return LoadContext.LoadFromAssemblyPath(_mainAssemblyPath);
        using var assembly = File.OpenRead(_mainAssemblyPath);
        var symbols = Path.ChangeExtension(_mainAssemblyPath, ".pdb");
        if (!File.Exists(symbols)) return LoadContext.LoadFromStream(assembly);
        using var pdb = File.OpenRead(symbols);
        return LoadContext.LoadFromStream(assembly, pdb);
    }

    /// <summary>Unloads the context once nothing refers to its types any more.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        LoadContext.Unload();
    }

    /// <summary>
    /// Where assemblies that a plugin's deps.json names, but its folder lacks, are looked for: the host's probing
    /// paths, the plugin's own runtime config's (with <c>|arch|</c> and <c>|tfm|</c> filled in), and, under
    /// <c>dotnet</c>, the runtime package store of the target framework.
    /// </summary>
    public static IEnumerable<string> ProbingPaths(string mainAssemblyPath)
    {
        var paths = new List<string>();
        if (AppContext.GetData("PROBING_DIRECTORIES") is string host)
            paths.AddRange(host.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        var tfm = TargetFramework();
        var stem = Path.Combine(Path.GetDirectoryName(mainAssemblyPath)!, Path.GetFileNameWithoutExtension(mainAssemblyPath));
        foreach (var config in new[] { stem + ".runtimeconfig.json", stem + ".runtimeconfig.dev.json" })
            paths.AddRange(AdditionalProbingPaths(config, tfm));
        if (tfm is not null && Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
            paths.Add(Path.Combine(Path.GetDirectoryName(Environment.ProcessPath)!, "store", Arch, tfm));
        return paths.Distinct(StringComparer.Ordinal);
    }

    private static string Arch => RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant();

    /// <summary><c>net10.0</c> from the host's <c>.NETCoreApp,Version=v10.0</c>.</summary>
    private static string? TargetFramework() =>
        AppContext.TargetFrameworkName?.Split(",Version=v") is [".NETCoreApp", var version] ? "net" + version : null;

    private static IEnumerable<string> AdditionalProbingPaths(string runtimeConfig, string? tfm)
    {
        if (!File.Exists(runtimeConfig)) return [];
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(runtimeConfig));
            if (!document.RootElement.TryGetProperty("runtimeOptions", out var options)
                || !options.TryGetProperty("additionalProbingPaths", out var probing) || probing.ValueKind != JsonValueKind.Array)
                return [];
            return probing.EnumerateArray()
                .Select(p => p.GetString())
                .Where(p => p is not null && (tfm is not null || !p.Contains("|tfm|", StringComparison.Ordinal)))
                .Select(p => p!.Replace("|arch|", Arch, StringComparison.Ordinal).Replace("|tfm|", tfm ?? "", StringComparison.Ordinal))
                .ToList();
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return []; // as PluginLoader: an unreadable runtime config adds no probing paths
        }
    }
}
