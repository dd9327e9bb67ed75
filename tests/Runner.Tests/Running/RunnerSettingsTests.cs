using Runner.Sdk.Registries;
using Runner.Sdk.Running;

namespace Runner.Tests.Running;

/// <summary>The top-level keys are listed once (<c>RunnerSettings</c>); what else names them follows that list.</summary>
[TestClass]
public sealed class RunnerSettingsTests
{
    [TestMethod]
    public void RunnerArguments_HaveOneArgumentPerTopLevelKey_AndNoOther()
    {
        var arguments = RunnerArguments.Arguments.Select(p => ComponentBuilder.SnakeCase(p.Name)).Order(StringComparer.Ordinal).ToList();
        // plugins loads code before a runner exists: a host's choice, not an argument of the runner.
        var keys = RunnerSettings.Keys.Where(key => key != "plugins").Order(StringComparer.Ordinal).ToList();

        CollectionAssert.AreEqual(keys, arguments);
    }

    [TestMethod]
    public void RunnerArguments_BecomeTheConfigKeysTheyStandFor()
    {
        var cfg = new RunnerArguments { Device = "cpu", ModelWrapperCfg = new Runner.Sdk.Configuration.ConfigTable(), CustomHooks = ["a"], Compile = false }.ToConfig();

        CollectionAssert.AreEquivalent(new[] { "device", "model_wrapper_cfg", "custom_hooks", "compile" }, cfg.Keys.ToList());
        Assert.IsInstanceOfType<Runner.Sdk.Configuration.ConfigArray>(cfg["custom_hooks"]);
    }
}
