using System.Reflection;
using System.Runtime.CompilerServices;

namespace Runner.Sdk.Registries;

/// <summary>
/// The folder a plugin assembly was loaded from, where its data files sit. Use this rather than
/// <see cref="Assembly.Location"/>, which is empty when the host reads plugins into memory (<c>--watch</c>).
/// </summary>
internal static class PluginFolder
{
    private static readonly ConditionalWeakTable<Assembly, string> Folders = new();

    /// <summary>The folder of <paramref name="assembly"/>: as the host recorded it, else from its location.</summary>
    public static string Of(Assembly assembly) =>
        Folders.TryGetValue(assembly, out var folder) ? folder
        : assembly.Location.Length > 0 ? Path.GetDirectoryName(assembly.Location)!
        : throw new InvalidOperationException($"The folder of {assembly.GetName().Name} is unknown: it was loaded from memory by something other than runner-host.");

    /// <summary>Records where the host loaded <paramref name="assembly"/> from (called by the host's plugin loader).</summary>
    public static void Record(Assembly assembly, string assemblyPath) => Folders.AddOrUpdate(assembly, Path.GetDirectoryName(Path.GetFullPath(assemblyPath))!);
}
