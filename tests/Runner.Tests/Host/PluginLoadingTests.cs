using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using Runner.Tests.Support;

namespace Runner.Tests.Host;

/// <summary>
/// Plugin checks before loading: a broken assembly is named with its cause (and skipped with
/// --skip-broken-plugins); an SDK of another major version, or a private copy of a host-provided assembly, is refused.
/// </summary>
[TestClass]
public sealed class PluginLoadingTests
{
    private static string BuiltinToyPlugin => Path.Combine(AppContext.BaseDirectory, "plugins", "Runner.Plugins.Toy");

    /// <summary>A copy of the Toy plugin under another name, in a folder of its own.</summary>
    private static (string Folder, string Assembly) CopyOfToyPlugin(string name)
    {
        var folder = Path.Combine(TestEnvironment.NewTempDir(name), name);
        Directory.CreateDirectory(folder);
        File.Copy(Path.Combine(BuiltinToyPlugin, "Runner.Plugins.Toy.dll"), Path.Combine(folder, name + ".dll"));
        File.Copy(Path.Combine(BuiltinToyPlugin, "Runner.Plugins.Toy.deps.json"), Path.Combine(folder, name + ".deps.json"));
        return (folder, Path.Combine(folder, name + ".dll"));
    }

    /// <summary>Rewrites the major version of the assembly's reference to Runner.Sdk, in place.</summary>
    private static void SetReferencedSdkMajor(string assemblyPath, ushort major)
    {
        var bytes = File.ReadAllBytes(assemblyPath);
        long offset;
        using (var pe = new PEReader(new MemoryStream(bytes)))
        {
            var reader = pe.GetMetadataReader();
            var handle = reader.AssemblyReferences.Single(h => reader.GetString(reader.GetAssemblyReference(h).Name) == "Runner.Sdk");
            // An AssemblyRef row starts with MajorVersion (2 bytes).
            offset = pe.PEHeaders.MetadataStartOffset + reader.GetTableMetadataOffset(TableIndex.AssemblyRef)
                     + (MetadataTokens.GetRowNumber(handle) - 1) * reader.GetTableRowSize(TableIndex.AssemblyRef);
        }
        BitConverter.GetBytes(major).CopyTo(bytes, offset);
        File.WriteAllBytes(assemblyPath, bytes);
    }

    [TestMethod]
    public void TwoPlugins_WithTwoVersionsOfTheSamePrivateLibrary_EachGetTheirOwn()
    {
        // Arrange: IsolationLib 1 and 2 (2 adds a method), and a plugin built against each, carrying its copy.
        var root = TestEnvironment.NewTempDir("isolation");
        foreach (var version in new[] { 1, 2 })
            DotnetCli.Run(TestEnvironment.RepoRoot, "build", "tests/IsolationPlugin/Lib/IsolationLib.csproj", "-c", DotnetCli.Configuration,
                "-o", Path.Combine(root, $"lib{version}"), $"-p:LibVersion={version}", "-nologo", "-v", "quiet");
        foreach (var (flavor, version) in new[] { ("A", 1), ("B", 2) })
            DotnetCli.Run(TestEnvironment.RepoRoot, "build", "tests/IsolationPlugin/IsolationPlugin.csproj", "-c", DotnetCli.Configuration,
                "-o", Path.Combine(root, "plugins", flavor), $"-p:Flavor={flavor}", $"-p:LibDir={Path.Combine(root, $"lib{version}")}",
                "-p:BuildProjectReferences=false", "-nologo", "-v", "quiet");

        // Act
        var registries = new Runner.Sdk.Registries.RegistryRoot();
        using var catalog = Runner.Sdk.Plugins.PluginCatalog.Load([(Path.Combine(root, "plugins"), "test")], registries);
        var reports = catalog.Plugins.OrderBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => Activator.CreateInstance(p.Assembly.GetType("IsolationPlugin.ReportingHook")!)!.ToString()).ToArray();

        // Assert: A runs against version 1, B calls a method only version 2 has.
        CollectionAssert.AreEqual(new[] { "lib v1", "lib v2" }, reports);
    }

    [TestMethod]
    public void BrokenPlugin_IsNamedWithItsCause_AndSkippedOnRequest()
    {
        var folder = TestEnvironment.NewTempDir("broken-plugin");
        File.WriteAllText(Path.Combine(folder, "Broken.dll"), "not an assembly");
        File.WriteAllText(Path.Combine(folder, "Broken.deps.json"), "{}");

        var failed = HostTester.Run("list", "--plugins", folder);
        var skipped = HostTester.Run("list", "--plugins", folder, "--skip-broken-plugins");

        Assert.AreEqual(1, failed.ExitCode);
        StringAssert.Contains(failed.Stderr, $"Plugin Broken ({Path.Combine(folder, "Broken.dll")}) failed to load: it is not a valid .NET assembly.");
        Assert.AreEqual(0, skipped.ExitCode, skipped.Stderr);
        StringAssert.Contains(skipped.Stderr, "skipped 1 broken plugin(s)");
        StringAssert.Contains(skipped.Stderr, "Plugin Broken");
        StringAssert.Contains(skipped.Stdout, "ToyModel", "the working plugins still load");
    }

    [TestMethod]
    public void PluginBuiltAgainstAnotherSdkMajor_IsRefused_NamingBothVersions()
    {
        // Built against the previous major (1.x): its contracts may name what 2.0 moved or made internal.
        var (folder, assembly) = CopyOfToyPlugin("OldToy");
        SetReferencedSdkMajor(assembly, 1);

        var result = HostTester.Run("list", "--plugins", folder);

        Assert.AreEqual(1, result.ExitCode);
        StringAssert.Contains(result.Stderr, "Plugin OldToy");
        StringAssert.Contains(result.Stderr, "was refused: it was built against Runner.Sdk 1.0.0, and this host provides 2.0.0 (another major version)");
    }

    [TestMethod]
    public void PluginCarryingItsOwnTorchSharp_IsRefused_WithTheProjectFileFix()
    {
        var (folder, _) = CopyOfToyPlugin("GreedyToy");
        File.Copy(Path.Combine(AppContext.BaseDirectory, "TorchSharp.dll"), Path.Combine(folder, "TorchSharp.dll"));

        var result = HostTester.Run("list", "--plugins", folder);

        Assert.AreEqual(1, result.ExitCode);
        StringAssert.Contains(result.Stderr, "Plugin GreedyToy");
        StringAssert.Contains(result.Stderr, "carries its own TorchSharp.dll");
        StringAssert.Contains(result.Stderr, "ExcludeAssets=\"runtime;native\"");
    }
}
