using System.Runtime.InteropServices;
using Runner.Sdk.Plugins;
using Runner.Tests.Support;

namespace Runner.Tests.Host;

[TestClass]
public sealed class PluginContextTests
{
    [TestMethod]
    public void ProbingPaths_IncludeThePluginsRuntimeConfigs_WithArchAndTfmFilledIn()
    {
        var dir = TestEnvironment.NewTempDir("probing");
        var plugin = Path.Combine(dir, "My.Plugin.dll");
        File.WriteAllText(Path.Combine(dir, "My.Plugin.runtimeconfig.json"),
            """{ "runtimeOptions": { "tfm": "net10.0", "additionalProbingPaths": ["/opt/packages/|arch|/|tfm|"] } }""");
        File.WriteAllText(Path.Combine(dir, "My.Plugin.runtimeconfig.dev.json"),
            """{ "runtimeOptions": { "additionalProbingPaths": ["/home/me/.nuget/packages"] } }""");

        var paths = PluginContext.ProbingPaths(plugin).ToList();

        var arch = RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant();
        CollectionAssert.Contains(paths, $"/opt/packages/{arch}/net10.0");
        CollectionAssert.Contains(paths, "/home/me/.nuget/packages");
    }

    [TestMethod]
    public void ProbingPaths_AreTheHostsAsTheRuntimeResolvedThem_WhenThePluginsConfigIsUnreadable()
    {
        var dir = TestEnvironment.NewTempDir("probing");
        File.WriteAllText(Path.Combine(dir, "Broken.Plugin.runtimeconfig.json"), "{ not json");

        var broken = PluginContext.ProbingPaths(Path.Combine(dir, "Broken.Plugin.dll")).ToList();
        var none = PluginContext.ProbingPaths(Path.Combine(dir, "Other.Plugin.dll")).ToList();

        CollectionAssert.AreEqual(none, broken);
        var host = (AppContext.GetData("PROBING_DIRECTORIES") as string ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        CollectionAssert.IsSubsetOf(host, broken);
    }
}
