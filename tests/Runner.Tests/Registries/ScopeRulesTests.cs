using Runner.Sdk.Configuration;
using Runner.Sdk.Data;
using Runner.Sdk.Hooks;
using Runner.Sdk.Registries;

namespace Runner.Tests.Registries;

/// <summary>MMEngine's scope rules as they apply to config tables.</summary>
[TestClass]
public sealed class ScopeRulesTests
{
    private sealed class AlphaSampler(IDataset dataset) : ISampler
    {
        public IDataset Dataset { get; } = dataset;

        public long Count => Dataset.Count;

        public IReadOnlyList<long> GetIndices() => [];

        public void SetEpoch(int epoch) { }
    }

    private sealed class AlphaHook : Hook;

    private sealed class BetaHook : Hook;

    private static RegistryRoot TwoScopes()
    {
        var registries = new RegistryRoot();
        registries.Register(typeof(AlphaHook), new RegisterAttribute("ScopedHook"), "plugin A", "alpha");
        registries.Register(typeof(BetaHook), new RegisterAttribute("ScopedHook"), "plugin B", "beta");
        return registries;
    }

    private static ConfigTable Table(string toml) => (ConfigTable)ConfigLoader.Parse(toml, "job.toml")["h"]!;

    [TestMethod]
    public void DefaultScope_PicksWhereAPlainNameIsLookedUp()
    {
        var registries = TwoScopes();

        var fromAlpha = new ComponentBuilder(registries, "alpha").Build<Hook>(Table("h = { type = \"ScopedHook\" }"));
        var fromBeta = new ComponentBuilder(registries, "beta").Build<Hook>(Table("h = { type = \"ScopedHook\" }"));

        Assert.IsInstanceOfType<AlphaHook>(fromAlpha);
        Assert.IsInstanceOfType<BetaHook>(fromBeta);
    }

    [TestMethod]
    public void ScopeKey_SwitchesTheScopeForThatTableOnly()
    {
        var registries = TwoScopes();
        var builder = new ComponentBuilder(registries, "alpha");

        var switched = builder.Build<Hook>(Table("h = { type = \"ScopedHook\", _scope_ = \"beta\" }"));
        var unswitched = builder.Build<Hook>(Table("h = { type = \"ScopedHook\" }"));

        Assert.IsInstanceOfType<BetaHook>(switched);
        Assert.IsInstanceOfType<AlphaHook>(unswitched);
    }

    [TestMethod]
    public void ScopedName_ReachesAnotherScopeWithoutSwitching()
    {
        var builder = new ComponentBuilder(TwoScopes(), "alpha");

        Assert.IsInstanceOfType<BetaHook>(builder.Build<Hook>(Table("h = { type = \"beta.ScopedHook\" }")));
    }

    [TestMethod]
    public void UnknownScopeKey_ListsKnownScopes()
    {
        var builder = new ComponentBuilder(TwoScopes(), "alpha");

        var error = Assert.ThrowsExactly<RegistryException>(() => builder.Build<Hook>(Table("h = { type = \"ScopedHook\", _scope_ = \"betta\" }")));

        StringAssert.Contains(error.Message, "job.toml(1,28): h._scope_: scope 'betta' is not known (known scopes: alpha, beta, runner).");
        StringAssert.Contains(error.Message, "did you mean 'beta'?");
    }

    [TestMethod]
    public void EnumByName_CaseAndUnderscoresIgnored_BadNameListsChoices()
    {
        var builder = new ComponentBuilder(new RegistryRoot(), RegistryRoot.RootScope);

        var hook = builder.Build<Hook>(Table("h = { type = \"LoggerHook\", priority = \"below_normal\" }"))!;
        var error = Assert.ThrowsExactly<ConfigException>(() => builder.Build<Hook>(Table("h = { type = \"LoggerHook\", priority = \"lowish\" }")));

        Assert.AreEqual(Priority.BelowNormal, hook.Priority);
        StringAssert.Contains(error.Message, "h.priority: 'lowish' is not one of: highest, very_high, high, above_normal, normal, below_normal, low, very_low, lowest.");
    }

    [TestMethod]
    public void PriorityOutOfRange_IsRejected()
    {
        var builder = new ComponentBuilder(new RegistryRoot(), RegistryRoot.RootScope);

        var error = Assert.ThrowsExactly<ConfigException>(() => builder.Build<Hook>(Table("h = { type = \"LoggerHook\", priority = 101 }")));

        StringAssert.Contains(error.Message, "priority must be between 0 and 100, got 101.");
    }

    [TestMethod]
    public void MissingRequiredArgument_NamesItAndItsType()
    {
        var builder = new ComponentBuilder(new RegistryRoot(), RegistryRoot.RootScope, validateOnly: true);
        builder.ServiceTypes.Add(typeof(Runner.Sdk.Optim.OptimWrapper));

        var error = Assert.ThrowsExactly<ConfigException>(() =>
            builder.Build<Runner.Sdk.Optim.Schedulers.ParamScheduler>(Table("h = { type = \"MultiStepLR\", gamma = 0.5 }")));

        StringAssert.Contains(error.Message, "job.toml(1,5): h: MultiStepLR needs 'milestones', which is missing.");
        StringAssert.Contains(error.Message, "add milestones = ... (a list of integers).");
    }

    [TestMethod]
    public void ListOfWrongItems_PointsAtTheItem()
    {
        var builder = new ComponentBuilder(new RegistryRoot(), RegistryRoot.RootScope, validateOnly: true);
        builder.ServiceTypes.Add(typeof(Runner.Sdk.Optim.OptimWrapper));

        var error = Assert.ThrowsExactly<ConfigException>(() =>
            builder.Build<Runner.Sdk.Optim.Schedulers.ParamScheduler>(Table("h = { type = \"MultiStepLR\", milestones = [1, \"two\"] }")));

        StringAssert.Contains(error.Message, "h.milestones[1]: expected an integer, got the string \"two\".");
    }

    [TestMethod]
    public void ServiceParameters_AreSuppliedNotConfigured()
    {
        var registries = new RegistryRoot();
        registries.Register(typeof(AlphaSampler), new RegisterAttribute("AlphaSampler"), "plugin A", "alpha");
        var builder = new ComponentBuilder(registries, "alpha", validateOnly: true);

        var error = Assert.ThrowsExactly<ConfigException>(() =>
            builder.Build<ISampler>(Table("h = { type = \"AlphaSampler\", shuffle = true }"), new Dictionary<string, object?> { ["dataset"] = ComponentBuilder.Supplied }));

        StringAssert.Contains(error.Message, "AlphaSampler has no option 'shuffle'.");
    }
}
