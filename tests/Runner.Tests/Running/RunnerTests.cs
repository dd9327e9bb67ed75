using System.Reflection;
using System.Runtime.Loader;
using Runner.Sdk.Plugins;
using Runner.Sdk.Configuration;
using Runner.Sdk.Models;
using Runner.Sdk.Registries;
using Runner.Sdk.Running;
using Runner.Tests.Support;

namespace Runner.Tests.Running;

[TestClass]
public sealed class RunnerTests
{
    private static (RegistryRoot Registries, PluginCatalog Catalog) LoadBuiltinPlugins()
    {
        var registries = new RegistryRoot();
        var catalog = BuiltinPlugins.Load(registries);
        return (registries, catalog);
    }

    private static Runner.Sdk.Running.TrainingRunner ToyRunner(RegistryRoot registries, string workDir, params string[] overrides)
    {
        var cfg = ConfigLoader.Load(TestEnvironment.ToyConfig, overrides);
        cfg.Set("work_dir", workDir, SourceLocation.Code);
        return Runner.Sdk.Running.TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = registries, Console = null, ConfigPath = TestEnvironment.ToyConfig });
    }

    [TestMethod]
    public void PluginTypes_AreHostTypes_FromTheirOwnLoadContext()
    {
        var (registries, catalog) = LoadBuiltinPlugins();
        using var _ = catalog;

        var toyModel = registries.Resolve(registries.ForType<BaseModel>(), "toy.ToyModel", RegistryRoot.RootScope, null, null).Type;
        var pluginContext = AssemblyLoadContext.GetLoadContext(toyModel.Assembly)!;

        Assert.AreNotSame(AssemblyLoadContext.Default, pluginContext, "the plugin must live in its own load context");
        Assert.IsTrue(typeof(BaseModel).IsAssignableFrom(toyModel), "ToyModel must derive from the host's BaseModel");
        Assert.AreSame(typeof(TorchSharp.torch).Assembly, pluginContext.LoadFromAssemblyName(new AssemblyName("TorchSharp")));
        Assert.AreSame(typeof(BaseModel).Assembly, pluginContext.LoadFromAssemblyName(new AssemblyName("Runner.Sdk")));
        Assert.AreEqual(3, catalog.Plugins.Count, "toy, digits and vision");
    }

    [TestMethod]
    public void Construction_BuildsOnlyTheModel_AndValNeverBuildsTrainParts()
    {
        var (registries, catalog) = LoadBuiltinPlugins();
        using var _ = catalog;
        using var runner = ToyRunner(registries, TestEnvironment.NewTempDir("lazy"));

        Assert.IsFalse(runner.TrainLoopBuilt);
        var metrics = runner.Val();

        Assert.IsFalse(runner.TrainLoopBuilt, "val() must not build the train loop");
        Assert.IsNull(runner.OptimWrapper, "val() must not build the optimizer");
        Assert.IsTrue(metrics.ContainsKey("accuracy/top1"));
        Assert.AreEqual(0, runner.Epoch);
    }

    [TestMethod]
    public void Train_HookCounters_MatchMmengine()
    {
        var (registries, catalog) = LoadBuiltinPlugins();
        using var _ = catalog;
        using var runner = ToyRunner(registries, TestEnvironment.NewTempDir("counters"), "train_cfg.max_epochs=2");

        runner.Train();

        Assert.AreEqual(2, runner.Epoch);
        Assert.AreEqual(256, runner.Iter);
        Assert.AreEqual(2, runner.MaxEpochs);
        Assert.AreEqual(256, runner.MaxIters);
        Assert.IsTrue(File.Exists(Path.Combine(runner.WorkDir, "epoch_2.ckpt")));
        Assert.AreEqual("epoch_2.ckpt", File.ReadAllText(Path.Combine(runner.WorkDir, "last_checkpoint")));
        Assert.IsTrue(File.Exists(Path.Combine(runner.WorkDir, runner.Timestamp + ".toml")), "the config dump");
        Assert.IsTrue(File.Exists(Path.Combine(runner.LogDir, runner.Timestamp + ".log")), "the log file");
    }
}
