using System.Text.RegularExpressions;
using Runner.Tests.Support;

namespace Runner.Tests.Architecture;

/// <summary>
/// The SDK's folders (one namespace each) form layers: a folder uses only folders below it, except for the two
/// circles MMEngine also has — hooks take the runner that calls them, and models and optim wrappers know each other.
/// Logging (the message hub, its history buffers, the log files) sits low: the log processor, which reads the runner,
/// lives with the runner, as MMEngine's <c>log_processor.py</c> lives in <c>runner/</c>. docs/architecture.md draws the picture this test keeps true.
/// </summary>
[TestClass]
public sealed partial class SdkLayersTests
{
    [TestMethod]
    public void SdkFolders_HaveNoImportCircle_BeyondTheTwoMmengineHas()
    {
        // Arrange
        var uses = FolderUses();

        // Act
        var circles = Circles(uses).Select(c => string.Join(" ↔ ", c.Order(StringComparer.Ordinal))).Order(StringComparer.Ordinal).ToList();

        // Assert
        CollectionAssert.AreEqual(new[] { "Hooks ↔ Running", "Models ↔ Optim" }, circles,
            "import circles: " + string.Join("; ", circles) + Environment.NewLine + Describe(uses));
    }

    [TestMethod]
    public void SdkFolders_UseOnlyTheLayersBelowThem_AsDocumented()
    {
        // Each folder's layer in docs/architecture.md's picture; a folder may use its own layer's circle and any lower layer.
        var layers = new Dictionary<string, int>
        {
            ["Configuration"] = 0, ["Checkpoints"] = 0, ["Native"] = 0, ["Storage"] = 0,
            ["Registries"] = 1, ["Logging"] = 1,
            ["Distributed"] = 2, ["Plugins"] = 2,
            ["Data"] = 3, ["Visualization"] = 3,
            ["Evaluation"] = 4, ["Models"] = 4, ["Optim"] = 4,
            ["Running"] = 5, ["Hooks"] = 5,
            ["Hosting"] = 6, ["Inference"] = 6,
        };
        var uses = FolderUses();

        var upward = uses.SelectMany(u => u.Value.Where(used => layers[used] > layers[u.Key]).Select(used => $"{u.Key} → {used}")).ToList();
        var unplaced = uses.Keys.Where(folder => !layers.ContainsKey(folder)).ToList();

        Assert.IsEmpty(unplaced, "folders not placed in a layer (add them here and in docs/architecture.md): " + string.Join(", ", unplaced));
        Assert.IsEmpty(upward, "folders that use a higher layer: " + string.Join(", ", upward));
    }

    /// <summary>Which other SDK folders each folder's sources name: through using directives, qualified names
    /// (<c>Runner.Sdk.X.</c>, or <c>X.Type</c> from inside <c>Runner.Sdk</c>) and documentation references.</summary>
    private static Dictionary<string, SortedSet<string>> FolderUses()
    {
        var sdk = Path.Combine(TestEnvironment.RepoRoot, "sdk");
        var folders = Directory.GetDirectories(sdk).Where(d => Directory.EnumerateFiles(d, "*.cs", SearchOption.AllDirectories).Any())
            .Select(Path.GetFileName).OfType<string>().Where(name => name is not ("bin" or "obj")).ToHashSet(StringComparer.Ordinal);
        var uses = folders.ToDictionary(f => f, _ => new SortedSet<string>(StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (var folder in folders)
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(sdk, folder), "*.cs", SearchOption.AllDirectories))
            {
                var source = File.ReadAllText(file);
                var ownTypes = DeclaredType().Matches(source).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
                foreach (var rawLine in source.Split('\n'))
                {
                    var line = rawLine.TrimStart().StartsWith("///", StringComparison.Ordinal) ? rawLine : StringLiteral().Replace(LineComment().Replace(rawLine, ""), "\"\"");
                    var named = SdkNamespace().Matches(line).Select(m => m.Groups[1].Value)
                        .Concat(PartlyQualified().Matches(line).Select(m => m.Groups[1].Value).Where(n => !ownTypes.Contains(n)));
                    foreach (var used in named.Where(n => folders.Contains(n) && n != folder)) uses[folder].Add(used);
                }
            }
        }
        return uses;
    }

    /// <summary>The strongly connected groups of more than one folder (Tarjan's algorithm).</summary>
    private static List<List<string>> Circles(Dictionary<string, SortedSet<string>> uses)
    {
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var circles = new List<List<string>>();
        void Visit(string folder)
        {
            index[folder] = low[folder] = index.Count;
            stack.Push(folder);
            foreach (var used in uses[folder])
            {
                if (!index.ContainsKey(used))
                {
                    Visit(used);
                    low[folder] = Math.Min(low[folder], low[used]);
                }
                else if (stack.Contains(used)) low[folder] = Math.Min(low[folder], index[used]);
            }
            if (low[folder] != index[folder]) return;
            var group = new List<string>();
            string member;
            do group.Add(member = stack.Pop()); while (member != folder);
            if (group.Count > 1) circles.Add(group);
        }
        foreach (var folder in uses.Keys.Order(StringComparer.Ordinal)) if (!index.ContainsKey(folder)) Visit(folder);
        return circles;
    }

    private static string Describe(Dictionary<string, SortedSet<string>> uses) =>
        string.Join(Environment.NewLine, uses.OrderBy(u => u.Key, StringComparer.Ordinal).Select(u => $"{u.Key} → {string.Join(", ", u.Value)}"));

    [GeneratedRegex(@"Runner\.Sdk\.(\w+)")]
    private static partial Regex SdkNamespace();

    [GeneratedRegex(@"(?<![\w.])(\w+)\.[A-Z]")]
    private static partial Regex PartlyQualified();

    [GeneratedRegex(@"\b(?:class|struct|interface|enum|record)\s+(\w+)")]
    private static partial Regex DeclaredType();

    [GeneratedRegex(@"//.*")]
    private static partial Regex LineComment();

    [GeneratedRegex("\"[^\"]*\"")]
    private static partial Regex StringLiteral();
}
