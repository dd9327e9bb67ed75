using Runner.Sdk.Configuration;
using Runner.Tests.Support;

namespace Runner.Tests.Configuration;

[TestClass]
public sealed class ConfigLoaderTests
{
    private static string Write(string dir, string name, string text)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [TestMethod]
    public void Load_Values_KeepTypesAndLocations()
    {
        var dir = TestEnvironment.NewTempDir("cfg");
        var path = Write(dir, "a.toml", "lr = 0.5\n[train_cfg]\nmax_epochs = 3\nname = \"x\"\n");

        var cfg = ConfigLoader.Load(path);

        var train = (ConfigTable)cfg["train_cfg"]!;
        Assert.AreEqual(0.5, cfg["lr"]);
        Assert.AreEqual(3L, train["max_epochs"]);
        Assert.AreEqual("train_cfg.max_epochs", train.PathOf("max_epochs"));
        Assert.AreEqual(3, train.LocationOf("max_epochs")!.Line);
        Assert.AreEqual(1, train.LocationOf("max_epochs")!.Column);
    }

    [TestMethod]
    public void Load_DuplicateKey_ReportsBothLines()
    {
        var dir = TestEnvironment.NewTempDir("cfg");
        var path = Write(dir, "dup.toml", "a = 1\nb = 2\na = 3\n");

        var error = Assert.ThrowsExactly<ConfigException>(() => ConfigLoader.Load(path));

        StringAssert.Contains(error.Message, "dup.toml(3,1)");
        StringAssert.Contains(error.Message, "`a` is already defined at (1,1)");
    }

    [TestMethod]
    public void Load_ReopenedTable_IsAnError()
    {
        var dir = TestEnvironment.NewTempDir("cfg");
        var path = Write(dir, "reopen.toml", "[t]\nx = 1\n[t]\ny = 2\n");

        var error = Assert.ThrowsExactly<ConfigException>(() => ConfigLoader.Load(path));

        StringAssert.Contains(error.Message, "reopen.toml(3,1)");
    }

    [TestMethod]
    public void Load_Base_MergesTablesAndChildWins()
    {
        var dir = TestEnvironment.NewTempDir("cfg");
        Write(dir, "base.toml", "x = 1\n[t]\na = 1\nb = 2\n[u]\nkeep = true\n");
        var path = Write(dir, "child.toml", "_base_ = [\"base.toml\"]\nx = 2\n[t]\nb = 3\n[u]\n_delete_ = true\nnew = 1\n");

        var cfg = ConfigLoader.Load(path);

        var t = (ConfigTable)cfg["t"]!;
        var u = (ConfigTable)cfg["u"]!;
        Assert.AreEqual(2L, cfg["x"]);
        Assert.AreEqual(1L, t["a"]);
        Assert.AreEqual(3L, t["b"]);
        Assert.IsFalse(u.ContainsKey("keep"));
        Assert.IsFalse(u.ContainsKey("_delete_"));
        Assert.AreEqual(1L, u["new"]);
    }

    [TestMethod]
    public void Load_DeleteFalse_Merges_AndDeleteOtherThanABoolean_IsAnErrorAtItsLine()
    {
        var dir = TestEnvironment.NewTempDir("cfg-delete");
        Write(dir, "base.toml", "[t]\na = 1\n[u]\nkeep = 1\n[u.inner]\nx = 1\n");
        var merging = Write(dir, "merging.toml", "_base_ = [\"base.toml\"]\n[t]\n_delete_ = false\nb = 2\n[u.inner]\n_delete_ = true\ny = 2\n");
        var wrong = Write(dir, "wrong.toml", "_base_ = [\"base.toml\"]\n[t]\n_delete_ = \"yes\"\n");

        var cfg = ConfigLoader.Load(merging);
        var error = Assert.ThrowsExactly<ConfigException>(() => ConfigLoader.Load(wrong));

        var t = (ConfigTable)cfg["t"]!;
        var inner = (ConfigTable)((ConfigTable)cfg["u"]!)["inner"]!;
        CollectionAssert.AreEqual(new[] { "a", "b" }, t.Keys.ToArray(), "false merges, and is no option of the table");
        CollectionAssert.AreEqual(new[] { "y" }, inner.Keys.ToArray(), "true replaces, at any depth");
        Assert.AreEqual(1L, ((ConfigTable)cfg["u"]!)["keep"]);
        StringAssert.Contains(error.Message, "wrong.toml(3,1): t._delete_: expected true or false, got the string \"yes\".");
    }

    [TestMethod]
    public void Load_MissingBase_NamesTheIncludingLine()
    {
        var dir = TestEnvironment.NewTempDir("cfg");
        var path = Write(dir, "child.toml", "x = 1\n_base_ = [\"nope.toml\"]\n");

        var error = Assert.ThrowsExactly<ConfigException>(() => ConfigLoader.Load(path));

        StringAssert.Contains(error.Message, "child.toml(2,1)");
        StringAssert.Contains(error.Message, "base config 'nope.toml' does not exist");
    }

    [TestMethod]
    public void Load_BaseCycle_IsReported()
    {
        var dir = TestEnvironment.NewTempDir("cfg");
        Write(dir, "a.toml", "_base_ = \"b.toml\"\n");
        var path = Write(dir, "b.toml", "_base_ = \"a.toml\"\n");

        var error = Assert.ThrowsExactly<ConfigException>(() => ConfigLoader.Load(path));

        StringAssert.Contains(error.Message, "cycle");
    }

    [TestMethod]
    public void Load_CfgOptions_OverrideWithTomlValues()
    {
        var dir = TestEnvironment.NewTempDir("cfg");
        var path = Write(dir, "a.toml", "[train_cfg]\nmax_epochs = 3\n");

        var cfg = ConfigLoader.Load(path, ["train_cfg.max_epochs=5", "p.milestones=[1, 2]", "name=resnet", "q=\"quoted\""]);

        Assert.AreEqual(5L, ((ConfigTable)cfg["train_cfg"]!)["max_epochs"]);
        CollectionAssert.AreEqual(new object[] { 1L, 2L }, ((ConfigArray)((ConfigTable)cfg["p"]!)["milestones"]!).ToArray());
        Assert.AreEqual("resnet", cfg["name"]);
        Assert.AreEqual("quoted", cfg["q"]);
    }

    [TestMethod]
    public void ToToml_RoundTrips()
    {
        var cfg = ConfigLoader.Parse("a = 1\nb = [1.5, 2.0]\n[t]\nname = \"x\\\"y\"\n[[hooks]]\ntype = \"H\"\n[[hooks]]\ntype = \"G\"\n");

        var again = ConfigLoader.Parse(ConfigWriter.ToToml(cfg));

        Assert.AreEqual(ConfigWriter.ToToml(cfg), ConfigWriter.ToToml(again));
        Assert.AreEqual("x\"y", ((ConfigTable)again["t"]!)["name"]);
        Assert.AreEqual(2, ((ConfigArray)again["hooks"]!).Count);
    }

    [TestMethod]
    public void Load_SameKeyInTwoBases_IsAnError()
    {
        var dir = TestEnvironment.NewTempDir("cfg");
        Write(dir, "a.toml", "x = 1\n");
        Write(dir, "b.toml", "x = 2\n");
        var path = Write(dir, "child.toml", "_base_ = [\"a.toml\", \"b.toml\"]\n");

        var error = Assert.ThrowsExactly<ConfigException>(() => ConfigLoader.Load(path));

        StringAssert.Contains(error.Message, "key 'x' is defined by two base files, 'a.toml' and 'b.toml'.");
    }

    [TestMethod]
    public void Load_SyntaxError_PointsAtTheLine()
    {
        var dir = TestEnvironment.NewTempDir("cfg");
        var path = Write(dir, "broken.toml", "a = 1\nb = [1, 2\nc = 3\n");

        var error = Assert.ThrowsExactly<ConfigException>(() => ConfigLoader.Load(path));

        StringAssert.Contains(error.Message, "broken.toml(3,");
    }

    [TestMethod]
    public void Load_NestedBases_AreRelativeToTheIncludingFile()
    {
        var dir = TestEnvironment.NewTempDir("cfg");
        Directory.CreateDirectory(Path.Combine(dir, "base", "deeper"));
        Write(Path.Combine(dir, "base", "deeper"), "root.toml", "a = 1\nb = 1\n");
        Write(Path.Combine(dir, "base"), "mid.toml", "_base_ = \"deeper/root.toml\"\nb = 2\n");
        var path = Write(dir, "top.toml", "_base_ = \"base/mid.toml\"\nc = 3\n");

        var cfg = ConfigLoader.Load(path);

        Assert.AreEqual(1L, cfg["a"]);
        Assert.AreEqual(2L, cfg["b"]);
        Assert.AreEqual(3L, cfg["c"]);
    }

    [TestMethod]
    public void CfgOptions_NotAnAssignment_ExplainsTheForm()
    {
        var cfg = ConfigLoader.Parse("a = 1");

        var error = Assert.ThrowsExactly<ConfigException>(() => ConfigLoader.ApplyOverrides(cfg, ["max_epochs"]));

        StringAssert.Contains(error.Message, "'max_epochs' is not of the form key.path=value.");
    }

    [TestMethod]
    [DataRow("train_cfg..max_epochs=5")]
    [DataRow("train_cfg.=5")]
    [DataRow(".max_epochs=5")]
    public void CfgOptions_KeyWithAnEmptyPart_IsRefused_NotReadAsAnotherKey(string assignment)
    {
        var cfg = ConfigLoader.Parse("train_cfg = { max_epochs = 1 }");

        var error = Assert.ThrowsExactly<ConfigException>(() => ConfigLoader.ApplyOverrides(cfg, [assignment]));

        StringAssert.Contains(error.Message, $"'{assignment}': the key '{assignment[..assignment.IndexOf('=')]}' has an empty part.");
        Assert.AreEqual(1L, ((ConfigTable)cfg["train_cfg"]!)["max_epochs"]);
    }

    [TestMethod]
    public void CfgOptions_ThroughAScalar_IsAnError()
    {
        var cfg = ConfigLoader.Parse("a = 1");

        var error = Assert.ThrowsExactly<ConfigException>(() => ConfigLoader.ApplyOverrides(cfg, ["a.b=2"]));

        StringAssert.Contains(error.Message, "a.b: 'a' is not a table or a list, so it has no 'b'.");
    }

    /// <summary>Configs are read, merged and written by recursion: nesting past 64 is refused, never a stack overflow
    /// (a 100,000-part dotted key crashed the host before).</summary>
    [TestMethod]
    [DataRow("arrays", "the file nests arrays or inline tables more than 64 deep.")]
    [DataRow("inline tables", "the file nests arrays or inline tables more than 64 deep.")]
    [DataRow("dotted key", "(1,1): k.k.k.…: the key has 100,000 parts; configs nest at most 64 deep.")]
    [DataRow("table header", "(1,1): k.k.k.…: the key has 100,000 parts; configs nest at most 64 deep.")]
    public void DeepNesting_IsAConfigError_NotAStackOverflow(string kind, string expected)
    {
        var key = string.Join('.', Enumerable.Repeat("k", 100_000));
        var text = kind switch
        {
            "arrays" => "a = " + new string('[', 100_000) + new string(']', 100_000),
            "inline tables" => "a = " + string.Concat(Enumerable.Repeat("{ b = ", 10_000)) + "1" + string.Concat(Enumerable.Repeat(" }", 10_000)),
            "dotted key" => key + " = 1",
            _ => $"[{key}]\nx = 1",
        };
        var path = Path.Combine(TestEnvironment.NewTempDir("deep"), "deep.toml");
        File.WriteAllText(path, text);

        var error = Assert.ThrowsExactly<ConfigException>(() => ConfigLoader.Load(path));

        StringAssert.Contains(error.Message, expected);
    }

    [TestMethod]
    public void CfgOptions_DeepKeyOrValue_IsAnError()
    {
        var cfg = ConfigLoader.Parse("a = 1");

        var key = Assert.ThrowsExactly<ConfigException>(() => ConfigLoader.ApplyOverrides(cfg, [string.Join('.', Enumerable.Repeat("k", 1000)) + "=1"]));
        var value = Assert.ThrowsExactly<ConfigException>(() => ConfigLoader.ApplyOverrides(cfg, ["a=" + new string('[', 1000) + new string(']', 1000)]));

        StringAssert.Contains(key.Message, "the key has 1,000 parts; configs nest at most 64 deep.");
        StringAssert.Contains(value.Message, "is not a TOML value.");
        Assert.IsLessThan(300, value.Message.Length, "the value is shortened in the message");
    }

    /// <summary>MMEngine's command-line forms: a list index in the path, a comma list, a bare string; TOML values as before.</summary>
    [TestMethod]
    public void CfgOptions_TakeMMEnginesForms_ListIndices_CommaLists_AndBareStrings()
    {
        var cfg = ConfigLoader.Parse("""
            work_dir = "w"
            optim_wrapper = { optimizer = { type = "SGD", lr = 0.01 } }
            param_scheduler = [{ type = "LinearLR" }, { type = "MultiStepLR", milestones = [1, 2] }]
            """);

        ConfigLoader.ApplyOverrides(cfg, ["param_scheduler.1.milestones=[5,8]", "optim_wrapper.optimizer.lr=0.1", "work_dir=/tmp/x", "param_scheduler.0.end=5,8",
            "model.backbone=resnet18", "data_root=data/digits-png/train"]);

        var schedulers = (ConfigArray)cfg["param_scheduler"]!;
        CollectionAssert.AreEqual(new object[] { 5L, 8L }, ((ConfigArray)((ConfigTable)schedulers[1]!)["milestones"]!).ToArray());
        CollectionAssert.AreEqual(new object[] { 5L, 8L }, ((ConfigArray)((ConfigTable)schedulers[0]!)["end"]!).ToArray(), "k=5,8 is MMEngine's list shorthand");
        Assert.AreEqual(0.1, ((ConfigTable)((ConfigTable)cfg["optim_wrapper"]!)["optimizer"]!)["lr"]);
        Assert.AreEqual("/tmp/x", cfg["work_dir"]);
        Assert.AreEqual("resnet18", ((ConfigTable)cfg["model"]!)["backbone"]);
        Assert.AreEqual("data/digits-png/train", cfg["data_root"]);
    }

    [TestMethod]
    public void CfgOptions_ABadListIndex_NamesTheWholePath()
    {
        var cfg = ConfigLoader.Parse("param_scheduler = [{ type = \"LinearLR\" }, { type = \"MultiStepLR\" }]");

        var past = Assert.ThrowsExactly<ConfigException>(() => ConfigLoader.ApplyOverrides(cfg, ["param_scheduler.2.milestones=[5,8]"])).Message;
        var word = Assert.ThrowsExactly<ConfigException>(() => ConfigLoader.ApplyOverrides(cfg, ["param_scheduler.first.milestones=5"])).Message;
        var broken = Assert.ThrowsExactly<ConfigException>(() => ConfigLoader.ApplyOverrides(cfg, ["param_scheduler.1.milestones=[5,"])).Message;

        StringAssert.Contains(past, "param_scheduler.2.milestones: 'param_scheduler' is a list of 2 items, so '2' names none of them.");
        StringAssert.Contains(past, "index it from 0 to 1: param_scheduler.0.milestones=…");
        StringAssert.Contains(word, "param_scheduler.first.milestones: 'param_scheduler' is a list of 2 items, so 'first' names none of them.");
        StringAssert.Contains(broken, "param_scheduler.1.milestones: '[5,' is not a TOML value.");
    }
}
