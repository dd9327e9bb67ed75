
namespace Runner.Sdk.Plugins;

/// <summary>A plugin that could not be found or loaded: names the plugin, its path and the cause.</summary>
public sealed class PluginLoadException : RunnerException
{
    private PluginLoadException(string message, Exception? inner = null) : base(message, inner) { }

    internal static PluginLoadException MissingFolder(string folder, string origin) =>
        new(Native.FileKinds.Of(folder) is var kind && kind == Native.FileKind.Missing
            ? $"Plugin folder '{folder}' (from {origin}) does not exist."
            : $"Plugin folder '{folder}' (from {origin}) is {Native.FileKinds.Describe(kind)}, not a folder.");

    internal static PluginLoadException Failed(string name, string path, Exception cause) =>
        new($"Plugin {name} ({path}) failed to load: {Describe(cause)}", cause);

    internal static PluginLoadException Refused(string name, string path, string reason) =>
        new($"Plugin {name} ({path}) was refused: {reason}");

    private static string Describe(Exception e) => e switch
    {
        BadImageFormatException => "it is not a valid .NET assembly.",
        FileNotFoundException missing => $"a dependency is missing: {missing.FileName ?? missing.Message}.",
        System.Reflection.ReflectionTypeLoadException load => "some of its types cannot be loaded: " +
            string.Join("; ", load.LoaderExceptions.Where(x => x is not null).Select(x => x!.Message).Distinct()),
        TypeInitializationException init => $"a static constructor threw: {init.InnerException?.Message ?? init.Message}",
        RunnerException registration => $"its registration failed: {registration.Message}",
        _ => $"{e.GetType().Name}: {e.Message}",
    };
}
