using Runner.Sdk.Configuration;
using Runner.Sdk.Hooks;
using Runner.Sdk.Registries;

namespace Runner.Tests.Registries;

[TestClass]
public sealed class ComponentBuilderTests
{
    private static ConfigTable Parse(string toml) => ConfigLoader.Parse(toml, "job.toml");

    [TestMethod]
    [DataRow("max_epochs", "maxEpochs", true)]
    [DataRow("max_epochs", "MaxEpochs", true)]
    [DataRow("lr", "LR", true)]
    [DataRow("max_keep_ckpts", "maxKeepCkpts", true)]
    [DataRow("max_epoch", "maxEpochs", false)]
    [DataRow("max_epochs", "maxEpoch", false)]
    [DataRow("_", "", true)]
    [DataRow("a", "", false)]
    public void SameName_IgnoresCaseAndUnderscoresOnly(string key, string name, bool same) =>
        Assert.AreEqual(same, ComponentBuilder.SameName(key, name));

    [TestMethod]
    public void Build_BindsSnakeCaseKeysToConstructorAndProperties()
    {
        var builder = new ComponentBuilder(new RegistryRoot(), RegistryRoot.RootScope);
        var table = (ConfigTable)Parse("h = { type = \"CheckpointHook\", interval = 2, max_keep_ckpts = 3, priority = \"LOW\" }")["h"]!;

        var hook = (CheckpointHook)builder.Build<Hook>(table)!;

        Assert.AreEqual(2, hook.Interval);
        Assert.AreEqual(3, hook.MaxKeepCkpts);
        Assert.AreEqual(Priority.Low, hook.Priority);
    }

    [TestMethod]
    public void Build_NumericPriority_IsAccepted()
    {
        var builder = new ComponentBuilder(new RegistryRoot(), RegistryRoot.RootScope);
        var table = (ConfigTable)Parse("h = { type = \"LoggerHook\", priority = 65 }")["h"]!;

        Assert.AreEqual(65, (int)builder.Build<Hook>(table)!.Priority);
    }

    [TestMethod]
    public void Build_UnknownKey_NamesKeyLineAndValidKeys()
    {
        var builder = new ComponentBuilder(new RegistryRoot(), RegistryRoot.RootScope);
        var table = (ConfigTable)Parse("[h]\ntype = \"CheckpointHook\"\nintervall = 2\n")["h"]!;

        var error = Assert.ThrowsExactly<ConfigException>(() => builder.Build<Hook>(table));

        StringAssert.Contains(error.Message, "job.toml(3,1): h.intervall: CheckpointHook has no option 'intervall'.");
        StringAssert.Contains(error.Message, "did you mean 'interval'?");
    }

    [TestMethod]
    public void Build_WrongValueType_NamesExpectedType()
    {
        var builder = new ComponentBuilder(new RegistryRoot(), RegistryRoot.RootScope);
        var table = (ConfigTable)Parse("[h]\ntype = \"CheckpointHook\"\ninterval = \"two\"\n")["h"]!;

        var error = Assert.ThrowsExactly<ConfigException>(() => builder.Build<Hook>(table));

        StringAssert.Contains(error.Message, "job.toml(3,1): h.interval: expected an integer, got the string \"two\".");
    }

    [TestMethod]
    [DataRow("interval = 2.0", "h.interval: expected an integer, got the number 2.0.")]
    [DataRow("interval = \"a\\u0000b\\tc\"", "h.interval: expected an integer, got the string \"a\\u0000b\\u0009c\".")]
    [DataRow("interval = {}", "h.interval: expected an integer, got a table.")]
    public void Build_WrongValue_IsShownAsWritten_FloatsAsFloats_ControlCharactersEscaped(string setting, string message)
    {
        var builder = new ComponentBuilder(new RegistryRoot(), RegistryRoot.RootScope);
        var table = (ConfigTable)Parse($"[h]\ntype = \"CheckpointHook\"\n{setting}\n")["h"]!;

        var error = Assert.ThrowsExactly<ConfigException>(() => builder.Build<Hook>(table));

        StringAssert.Contains(error.Message, message);
    }

    [TestMethod]
    public void Build_InvalidOption_ReportsComponentMessage()
    {
        var builder = new ComponentBuilder(new RegistryRoot(), RegistryRoot.RootScope);
        var table = (ConfigTable)Parse("[h]\ntype = \"CheckpointHook\"\ninterval = 0\n")["h"]!;

        var error = Assert.ThrowsExactly<ConfigException>(() => builder.Build<Hook>(table));

        StringAssert.Contains(error.Message, "CheckpointHook: interval must be a positive integer or -1, got 0.");
    }

    [TestMethod]
    public void Validate_ChecksWithoutConstructing()
    {
        var builder = new ComponentBuilder(new RegistryRoot(), RegistryRoot.RootScope, validateOnly: true);
        var good = (ConfigTable)Parse("h = { type = \"CheckpointHook\", interval = 0 }")["h"]!;
        var bad = (ConfigTable)Parse("h = { type = \"CheckpointHook\", nope = 0 }")["h"]!;

        // interval = 0 is rejected by the constructor, which validation does not run; unknown keys are caught.
        Assert.IsNull(builder.Build<Hook>(good));
        Assert.ThrowsExactly<ConfigException>(() => builder.Build<Hook>(bad));
    }

    /// <summary>A hook whose constructor fails the way a plugin's can (a missing file, say).</summary>
    public sealed class UnreadableHook : Hook
    {
        public UnreadableHook() => throw new IOException("weights.bin: no such file");
    }

    [TestMethod]
    public void Build_ConstructorThrows_NamesTheComponentTheTableAndTheCause()
    {
        var registries = new RegistryRoot();
        registries.Register(typeof(UnreadableHook), new RegisterAttribute(), "tests", "tests");
        var builder = new ComponentBuilder(registries, "tests");
        var table = (ConfigTable)Parse("[custom]\nh = { type = \"UnreadableHook\" }")["custom"]!;

        var error = Assert.ThrowsExactly<Runner.Sdk.ComponentException>(() => builder.Build<Hook>((ConfigTable)table["h"]!));

        StringAssert.Contains(error.Message, "UnreadableHook (from Runner.Tests");
        StringAssert.Contains(error.Message, "failed while being built (for custom.h at job.toml(2,5)): IOException: weights.bin: no such file");
        Assert.IsInstanceOfType<IOException>(error.InnerException);
    }
}
