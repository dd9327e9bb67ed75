using Runner.Sdk.Checkpoints;
using Runner.Sdk.Configuration;
using Runner.Sdk.Data;
using Runner.Sdk.Models;
using Runner.Sdk.Optim;
using Runner.Sdk.Registries;
using Runner.Sdk.Running;
using Runner.Tests.Support;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Runner.Tests.Optim;

/// <summary>Two optimizers for two parts of a model, through a constructor named in the config, with a scheduler list per optimizer.</summary>
[TestClass]
public sealed class OptimWrapperDictTests
{
    public sealed class TwoPartModel : BaseModel
    {
        private readonly Linear first;
        private readonly Linear second;

        public TwoPartModel() : base(nameof(TwoPartModel))
        {
            first = nn.Linear(2, 2);
            second = nn.Linear(2, 2);
            RegisterComponents();
        }

        public Linear First => first;

        public Linear Second => second;

        public override ModelOutput Forward(DataBatch batch, ForwardMode mode) =>
            ClassificationOutput.From(second.forward(first.forward(batch.Inputs)), batch, mode);

        /// <summary>Like a GAN: each part is updated by its own optimizer.</summary>
        public override IReadOnlyDictionary<string, double> TrainStep(DataBatch batch, OptimWrapper optimWrapper)
        {
            var wrappers = (OptimWrapperDict)optimWrapper;
            var data = DataPreprocessor.Process(batch, training: true);
            var loss = nn.functional.cross_entropy(second.forward(first.forward(data.Inputs)), data[DataBatch.LabelsKey]);
            wrappers["gen"].Backward(loss);
            wrappers["gen"].Step();
            wrappers["disc"].Step();
            wrappers.ZeroGrad();
            return new Dictionary<string, double> { ["loss"] = loss.item<float>() };
        }
    }

    /// <summary>A plugin-style constructor: SGD for the first part, Adam for the second.</summary>
    public sealed class TwoPartConstructor(ConfigTable optimWrapperCfg) : IOptimWrapperConstructor
    {
        public double Lr { get; } = optimWrapperCfg["lr"] is double lr ? lr : 0.1;

        public OptimWrapper Build(BaseModel model)
        {
            var parts = (TwoPartModel)model;
            return new OptimWrapperDict(new Dictionary<string, OptimWrapper>
            {
                ["gen"] = new(optim.SGD(parts.First.parameters(), Lr)),
                ["disc"] = new(optim.Adam(parts.Second.parameters(), Lr)),
            });
        }
    }

    private static (ConfigTable Cfg, RegistryRoot Registries) Job(string workDir)
    {
        var registries = TinyJob.Registries(typeof(TwoPartModel), typeof(TwoPartConstructor));
        var cfg = TinyJob.Config(workDir, """
            randomness = { seed = 3 }
            model = { type = "TwoPartModel" }
            train_cfg = { max_epochs = 2 }
            optim_wrapper = { constructor = "TwoPartConstructor", lr = 0.1 }
            default_hooks = { logger = { interval = 1 } }
            param_scheduler = { gen = [{ type = "MultiStepLR", milestones = [1] }], disc = { type = "LinearLR", start_factor = 0.5, by_epoch = false, end = 4 } }
            """, withVal: false);
        return (cfg, registries);
    }

    [TestMethod]
    public void PerOptimizerSchedulers_LogAndCheckpointEachOptimizer()
    {
        // Arrange
        var workDir = TestEnvironment.NewTempDir("dict");
        var (cfg, registries) = Job(workDir);
        using var runner = TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = registries, Console = null });

        // Act
        runner.Train();

        // Assert
        var gen = RunRecords.Scalars(workDir, "gen.lr");
        var disc = RunRecords.Scalars(workDir, "disc.lr");
        CollectionAssert.AreEqual(new[] { 0.1, 0.1, 0.1, 0.1 }, gen.Take(4).ToArray());
        Assert.AreEqual(0.01, gen[^1], 1e-12);
        Assert.AreEqual(0.05, disc[0], 1e-12);
        Assert.AreEqual(0.1, disc[^1], 1e-12);
        Assert.AreEqual(2, runner.ParamSchedulers.Count);
        using var checkpoint = CheckpointFile.Load(Path.Combine(workDir, "epoch_2.ckpt"));
        Assert.IsTrue(checkpoint.Tensors.ContainsKey("optimizer/gen"));
        Assert.IsTrue(checkpoint.Tensors.ContainsKey("optimizer/disc"));
    }

    [TestMethod]
    public void Resume_RestoresEveryOptimizer()
    {
        var first = TestEnvironment.NewTempDir("dict-a");
        var (cfg, registries) = Job(first);
        using (var runner = TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = registries, Console = null })) runner.Train();
        var second = TestEnvironment.NewTempDir("dict-b");
        var (resumed, registries2) = Job(second);
        resumed.Set("resume", Path.Combine(first, "epoch_1.ckpt"), SourceLocation.Code);

        using var again = TrainingRunner.FromConfig(resumed, new RunnerOptions { Registries = registries2, Console = null });
        again.Train();

        CheckpointAssert.SameWeights(Path.Combine(first, "epoch_2.ckpt"), Path.Combine(second, "epoch_2.ckpt"), "after resuming: ");
    }

    [TestMethod]
    public void Dict_RefusesSingleOptimizerCalls_NamingTheWrappers()
    {
        var dict = new OptimWrapperDict(new Dictionary<string, OptimWrapper> { ["gen"] = new(optim.SGD([new Parameter(zeros(1))], 0.1)) });

        var error = Assert.ThrowsExactly<InvalidOperationException>(() => dict.Step());

        StringAssert.Contains(error.Message, "Step is not available on an OptimWrapperDict (gen)");
        Assert.ThrowsExactly<KeyNotFoundException>(() => dict["disc"]);
    }
}
