namespace Runner.Sdk.Registries;

/// <summary>
/// The files a plugin ships beside its DLL (data, weights, vocabularies). A component that needs them takes a
/// <see cref="PluginFiles"/> constructor parameter: the runner fills it with the folder of the plugin that registered
/// the component (it is not a config key), wherever the host loaded the plugin from, in memory included (<c>--watch</c>).
/// </summary>
/// <example>
/// <code>
/// public MyDataset(PluginFiles files, string split = "train") : base(Load(files.PathOf("data", split + ".csv"))) { }
/// </code>
/// </example>
public sealed class PluginFiles
{
    private PluginFiles(string folder) => Folder = folder;

    /// <summary>The plugin's folder.</summary>
    public string Folder { get; }

    /// <summary>A path inside the plugin's folder.</summary>
    public string PathOf(params string[] parts) => Path.Combine([Folder, .. parts]);

    /// <summary>The files of the plugin that provides <paramref name="componentType"/> (for building a component by hand, in a test).</summary>
    public static PluginFiles Of(Type componentType) => new(PluginFolder.Of(componentType.Assembly));
}
