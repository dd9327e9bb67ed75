using Runner.Sdk.Configuration;
using Runner.Sdk.Data;
using Runner.Sdk.Evaluation;
using Runner.Sdk.Models;
using Runner.Sdk.Running;
using Runner.Tests.Support;
using static TorchSharp.torch;

namespace Runner.Tests.Running;

/// <summary>The runner driven from C#: ready objects in place of config tables, and MMEngine's hook call counts (its RunnerTestCase fixture).</summary>
[TestClass]
public sealed class CSharpApiTests
{
    /// <summary>A model that gives its base no name.</summary>
    public sealed class UnnamedModel : BaseModel
    {
        public override ModelOutput Forward(DataBatch batch, ForwardMode mode) => ClassificationOutput.From(batch.Inputs, batch, mode);
    }

    [TestMethod]
    public void Model_IsNamedAfterItsClass_UnlessGivenAName()
    {
        using var unnamed = new UnnamedModel();
        using var named = new TinyModel();

        Assert.AreEqual("UnnamedModel", unnamed.GetName());
        Assert.AreEqual("TinyModel", named.GetName());
    }

    [TestMethod]
    public void ReadyObjects_TakeThePlaceOfTables_AndHooksAreCalledAsInMmengine()
    {
        // Arrange
        var cfg = ApiJob.Config(TestEnvironment.NewTempDir("api"));
        var model = new TinyModel();
        var hook = new CountingHook();
        cfg.Set("model", model, SourceLocation.Code);
        var hooks = new ConfigArray();
        hooks.Add(hook);
        cfg.Set("custom_hooks", hooks, SourceLocation.Code);
        using var runner = TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = ApiJob.Registries(), Console = null });

        // Act
        runner.Train();

        // Assert
        Assert.AreSame(model, runner.Model);
        Assert.AreEqual(5, runner.LogProcessor.WindowSize);
        Assert.IsInstanceOfType<Evaluator>(runner.ValLoop!.Evaluator);
        var expected = new Dictionary<string, int>
        {
            ["before_run"] = 1, ["before_train"] = 1, ["before_train_epoch"] = 2, ["before_train_iter"] = 8, ["after_train_epoch"] = 2,
            ["before_val_epoch"] = 2, ["before_val_iter"] = 8, ["after_val_epoch"] = 2, ["before_save_checkpoint"] = 2, ["after_run"] = 1,
        };
        CollectionAssert.AreEquivalent(expected.ToList(), hook.Calls.ToList());
        // MMEngine's counters: 0-based epoch during an epoch, already incremented during the validation after it.
        Assert.AreEqual(("before_train_iter", 0, 0, 0), hook.Seen.First(s => s.Point == "before_train_iter"));
        Assert.AreEqual(("before_train_iter", 1, 4, 0), hook.Seen.Where(s => s.Point == "before_train_iter").ElementAt(4));
        Assert.AreEqual(("after_val_epoch", 1, 4, -1), hook.Seen.First(s => s.Point == "after_val_epoch"));
        Assert.AreEqual(("before_save_checkpoint", 0, 4, -1), hook.Seen.First(s => s.Point == "before_save_checkpoint"));
    }

    [TestMethod]
    public void Create_WithReadyObjects_TrainsLikeAConfig()
    {
        // Arrange: everything built in C#, nothing from a file.
        var model = new TinyModel();
        var dataset = new TwelveSamples();
        var loader = new Runner.Sdk.Data.DataLoader(dataset, new DefaultSampler(dataset, shuffle: true, seed: 1), batchSize: 3);
        var optimWrapper = new Runner.Sdk.Optim.OptimWrapper(optim.SGD(model.parameters(), 0.1));
        var hook = new CountingHook();
        using var runner = TrainingRunner.Create(new RunnerArguments
        {
            Model = model,
            WorkDir = TestEnvironment.NewTempDir("create"),
            TrainDataloader = loader,
            TrainCfg = ConfigLoader.Parse("max_epochs = 2"),
            OptimWrapper = optimWrapper,
            CustomHooks = [hook],
            Randomness = ConfigLoader.Parse("seed = 3"),
        }, new RunnerOptions { Registries = ApiJob.Registries(), Console = null });

        // Act
        runner.Train();

        // Assert
        Assert.AreSame(optimWrapper, runner.OptimWrapper);
        Assert.AreSame(loader, runner.TrainLoop!.Dataloader);
        Assert.AreEqual(8, hook.Calls["before_train_iter"]);
        Assert.AreEqual(8, runner.Iter);
    }
}
