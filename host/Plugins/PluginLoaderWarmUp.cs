namespace Runner.Host.Plugins;

using McMaster.NETCore.Plugins.Loader;

/// <summary>
/// Does, on a thread-pool thread while the command line and the config are read, the one-time work of the first
/// plugin loader: McMaster reads the host's runtime config with <c>System.Text.Json</c> (whose first use costs tens
/// of milliseconds of reflection) and loads every assembly the shared assemblies reference.
/// </summary>
/// <remarks>
/// Both go through McMaster's own public builder API on a builder that is then dropped, so the real loaders later
/// find the serializer warm and the assemblies loaded. Nothing depends on it finishing: a loader that starts first
/// simply does the same work itself.
/// </remarks>
internal static class PluginLoaderWarmUp
{
    public static void Start() => ThreadPool.UnsafeQueueUserWorkItem(static _ =>
    {
        try
        {
            var builder = new AssemblyLoadContextBuilder();
            foreach (var config in Directory.EnumerateFiles(AppContext.BaseDirectory, "*.runtimeconfig.json"))
                builder.TryAddAdditionalProbingPathFromRuntimeConfig(config, includeDevConfig: true, out Exception? _);
            foreach (var shared in PluginCatalog.SharedAssemblies) builder.PreferDefaultLoadContextAssembly(shared.GetName());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or BadImageFormatException or FileLoadException)
        {
            // The real loader will meet the same problem and report it.
        }
    }, null);
}
