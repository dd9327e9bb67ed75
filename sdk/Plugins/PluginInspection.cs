using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Runner.Sdk.Plugins;

/// <summary>
/// What a plugin assembly says about itself, read from its metadata without loading it (so no plugin code runs
/// before it passes the checks): its version and the SDK version it was built against.
/// </summary>
internal sealed record PluginInspection(string Name, Version Version, Version? SdkVersion)
{
    /// <summary>Assemblies the host shares with every plugin; a plugin folder must not carry its own copy.</summary>
    public static readonly string[] HostProvidedAssemblies = ["Runner.Sdk", "TorchSharp", "NLog", "Tomlyn"];

    /// <summary>Reads <paramref name="assemblyPath"/>'s metadata; a file that is not a .NET assembly throws <see cref="BadImageFormatException"/>.</summary>
    public static PluginInspection Read(string assemblyPath)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        if (!pe.HasMetadata) throw new BadImageFormatException("not a .NET assembly", assemblyPath);
        var reader = pe.GetMetadataReader();
        if (!reader.IsAssembly) throw new BadImageFormatException("a module, not an assembly", assemblyPath);
        var definition = reader.GetAssemblyDefinition();
        var sdk = reader.AssemblyReferences.Select(reader.GetAssemblyReference)
            .Where(r => reader.GetString(r.Name) == "Runner.Sdk").Select(r => r.Version).FirstOrDefault();
        return new PluginInspection(reader.GetString(definition.Name), definition.Version, sdk);
    }

    /// <summary>
    /// Why the host refuses this plugin, or null: an SDK of another major version (its contracts may differ), or
    /// a private copy of an assembly the host provides (its types would not be the host's).
    /// </summary>
    public string? Refusal(string assemblyPath, Version hostSdk)
    {
        if (SdkVersion is { } sdk && sdk.Major != hostSdk.Major)
            return $"it was built against Runner.Sdk {sdk.ToString(3)}, and this host provides {hostSdk.ToString(3)} (another major version); " +
                   $"rebuild it against Runner.Sdk {hostSdk.Major}.x.";
        var folder = Path.GetDirectoryName(assemblyPath)!;
        var copies = HostProvidedAssemblies.Where(a => File.Exists(Path.Combine(folder, a + ".dll"))).ToList();
        if (copies.Count > 0)
            return $"its folder carries its own {string.Join(", ", copies.Select(c => c + ".dll"))}, whose types would not be the host's; " +
                   "reference them as host-provided in the plugin's project file: <PackageReference Include=\"...\" ExcludeAssets=\"runtime;native\" /> " +
                   "(or Private=\"false\" ExcludeAssets=\"runtime;native\" on a ProjectReference; \"native\" keeps libtorch's native libraries out too), then rebuild.";
        return null;
    }
}
