using Runner.Sdk.Configuration;
using Runner.Sdk.Hooks;
using Runner.Sdk.Registries;

namespace Runner.Tests.Registries;

[TestClass]
public sealed class RegistryTests
{
    private sealed class ScopedHook : Hook;

    private sealed class OtherHook : Hook;

    private sealed class TwoWaysHook : Hook
    {
        public TwoWaysHook(int interval) => Interval = interval;

        public TwoWaysHook(string name) => Interval = name.Length;

        public int Interval { get; }
    }

    [TestMethod]
    public void Kinds_AreDeclaredOnTheirBaseTypes_AndTheRegistriesImportNoKind()
    {
        // Arrange: the registries' own sources.
        var sources = Directory.GetFiles(Path.Combine(Support.TestEnvironment.RepoRoot, "sdk", "Registries"), "*.cs");

        // Act
        var kinds = new RegistryRoot(registerBuiltins: false).Registries.Select(r => (r.Name, r.BaseType.Name)).ToList();
        var imports = sources.SelectMany(File.ReadAllLines)
            .Select(line => System.Text.RegularExpressions.Regex.Match(line, @"(?:using |global::)Runner\.Sdk\.(\w+)"))
            .Where(m => m.Success).Select(m => m.Groups[1].Value).Distinct().Order().ToList();

        // Assert: the fifteen kinds, in listing order, found through [ComponentKind]; the registries at the bottom of the
        // SDK, using only the config types (MMEngine's registry/ likewise imports no kind).
        CollectionAssert.AreEqual(new[]
        {
            ("model", "BaseModel"), ("data preprocessor", "BaseDataPreprocessor"), ("dataset", "IDataset"), ("data sampler", "ISampler"),
            ("transform", "ITransform"), ("metric", "BaseMetric"), ("evaluator", "Evaluator"), ("hook", "Hook"), ("loop", "BaseLoop"),
            ("optimizer", "IOptimizerFactory"), ("optim wrapper", "OptimWrapper"), ("optim wrapper constructor", "IOptimWrapperConstructor"),
            ("param scheduler", "ParamScheduler"), ("log processor", "LogProcessor"), ("vis backend", "IVisBackend"),
        }, kinds);
        CollectionAssert.IsSubsetOf(imports, new[] { "Configuration", "Registries" }, string.Join(", ", imports));
    }

    [TestMethod]
    public void Register_TwoWidestConstructors_IsAnError_NamingTheType()
    {
        var registries = new RegistryRoot();

        var error = Assert.ThrowsExactly<Runner.Sdk.RunnerException>(() => registries.Register(typeof(TwoWaysHook), new RegisterAttribute(), "plugin A", "alpha"));

        StringAssert.Contains(error.Message, "plugin A: [Register] on Runner.Tests.Registries.RegistryTests+TwoWaysHook, which has 2 public constructors of 1 parameters");
    }

    [TestMethod]
    public void Resolve_PlainName_SearchesScopeThenParents()
    {
        var registries = new RegistryRoot();
        registries.Register(typeof(ScopedHook), new RegisterAttribute("MyHook"), "plugin A", "alpha");
        var hooks = registries.ForType<Hook>();

        var own = registries.Resolve(hooks, "MyHook", "alpha", null, null);
        var inherited = registries.Resolve(hooks, "LoggerHook", "alpha", null, null);

        Assert.AreEqual(typeof(ScopedHook), own.Type);
        Assert.AreEqual(typeof(LoggerHook), inherited.Type);
    }

    [TestMethod]
    public void Resolve_ScopedName_GoesToThatScope()
    {
        var registries = new RegistryRoot();
        registries.Register(typeof(ScopedHook), new RegisterAttribute("Same"), "plugin A", "alpha");
        registries.Register(typeof(OtherHook), new RegisterAttribute("Same"), "plugin B", "beta");
        var hooks = registries.ForType<Hook>();

        Assert.AreEqual(typeof(OtherHook), registries.Resolve(hooks, "beta.Same", "alpha", null, null).Type);
        Assert.AreEqual(typeof(ScopedHook), registries.Resolve(hooks, "Same", "alpha", null, null).Type);
    }

    [TestMethod]
    public void Resolve_UnknownName_NamesRegistryScopesAndSuggestion()
    {
        var registries = new RegistryRoot();
        var hooks = registries.ForType<Hook>();

        var error = Assert.ThrowsExactly<RegistryException>(() =>
            registries.Resolve(hooks, "LogerHook", RegistryRoot.RootScope, new SourceLocation("job.toml", 4, 8), "custom_hooks[0].type"));

        StringAssert.Contains(error.Message, "job.toml(4,8): custom_hooks[0].type: 'LogerHook' is not in the hook registry");
        StringAssert.Contains(error.Message, "scopes searched: runner");
        StringAssert.Contains(error.Message, "did you mean 'LoggerHook'");
    }

    [TestMethod]
    public void Register_SameNameTwiceInOneScope_NamesBothProviders()
    {
        var registries = new RegistryRoot();
        registries.Register(typeof(ScopedHook), new RegisterAttribute("Dup"), "plugin A", "alpha");

        var error = Assert.ThrowsExactly<RegistryException>(() =>
            registries.Register(typeof(OtherHook), new RegisterAttribute("Dup"), "plugin B", "alpha"));

        StringAssert.Contains(error.Message, "by plugin A");
        StringAssert.Contains(error.Message, "by plugin B");
    }

    [TestMethod]
    public void Register_Force_Replaces()
    {
        var registries = new RegistryRoot();
        registries.Register(typeof(ScopedHook), new RegisterAttribute("Dup"), "plugin A", "alpha");

        registries.Register(typeof(OtherHook), new RegisterAttribute("Dup") { Force = true }, "plugin B", "alpha");

        Assert.AreEqual(typeof(OtherHook), registries.Resolve(registries.ForType<Hook>(), "Dup", "alpha", null, null).Type);
    }
}
