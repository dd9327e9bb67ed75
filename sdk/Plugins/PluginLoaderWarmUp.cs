using McMaster.NETCore.Plugins.Loader;

namespace Runner.Sdk.Plugins;

/// <summary>
/// Does, on a thread-pool thread while the command line and the config are read, the one-time work of the first
/// plugin load context: loading every assembly the shared assemblies reference (~20 ms).
/// </summary>
/// <remarks>
/// It goes through McMaster's own public builder API on a builder that is then dropped, so the real load contexts
/// later find the assemblies loaded. Nothing depends on it finishing: a context built first simply does the same
/// work itself.
/// </remarks>
internal static class PluginLoaderWarmUp
{
    public static void Start() => ThreadPool.UnsafeQueueUserWorkItem(static _ =>
    {
        try
        {
            var builder = new AssemblyLoadContextBuilder();
            foreach (var shared in PluginCatalog.SharedAssemblies) builder.PreferDefaultLoadContextAssembly(shared.GetName());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or BadImageFormatException or FileLoadException)
        {
            // The real loader will meet the same problem and report it.
        }
    }, null);
}
