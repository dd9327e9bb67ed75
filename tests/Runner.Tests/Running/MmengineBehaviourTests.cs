using Runner.Sdk;
using Runner.Sdk.Checkpoints;
using Runner.Sdk.Configuration;
using Runner.Sdk.Data;
using Runner.Sdk.Hooks;
using Runner.Sdk.Models;
using Runner.Sdk.Running;
using Runner.Tests.Support;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Runner.Tests.Running;

/// <summary>Behaviours checked against MMEngine's own source and tests: the expected values are MMEngine's.</summary>
[TestClass]
public sealed class MmengineBehaviourTests
{
    /// <summary>A linear layer and a BatchNorm: for num_batches_tracked and the accumulation warning.</summary>
    public sealed class NormedModel : BaseModel
    {
        private readonly Linear fc;
        private readonly BatchNorm1d bn;

        public NormedModel() : base(nameof(NormedModel))
        {
            fc = nn.Linear(2, 2);
            bn = nn.BatchNorm1d(2);
            RegisterComponents();
        }

        public override ModelOutput Forward(DataBatch batch, ForwardMode mode) => ClassificationOutput.From(bn.forward(fc.forward(batch.Inputs)), batch, mode);
    }

    private static ConfigTable Job(string workDir, string body, string model = "TinyModel") => TinyJob.Config(workDir, $$"""
        model = { type = "{{model}}" }
        train_cfg = { by_epoch = true, max_epochs = 4 }
        optim_wrapper = { optimizer = { type = "SGD", lr = 0.1 } }
        randomness = { seed = 1 }
        {{body}}
        """, withVal: false);

    [TestMethod]
    public void Resume_BeforeTrain_BuildsWhatItNeeds_AndTrainingContinuesFromIt()
    {
        var first = TestEnvironment.NewTempDir("first");
        using (var runner = TinyJob.Build(Job(first, "default_hooks = { checkpoint = { interval = 1 } }"))) runner.Train();
        var second = TestEnvironment.NewTempDir("second");
        using var resumed = TinyJob.Build(Job(second, "default_hooks = { checkpoint = { interval = 1 } }"));

        resumed.Resume(Path.Combine(first, "epoch_2.ckpt"));
        resumed.Train();

        Assert.AreEqual(4, resumed.Epoch);
        Assert.AreEqual(16, resumed.Iter);
        CheckpointAssert.SameWeights(Path.Combine(first, "epoch_4.ckpt"), Path.Combine(second, "epoch_4.ckpt"));
    }

    [TestMethod]
    public void MissingNumBatchesTracked_IsNeitherWarnedAbout_NorRefusedByStrict()
    {
        var workDir = TestEnvironment.NewTempDir("bn");
        var registries = TinyJob.Registries(typeof(NormedModel));
        string weights;
        using (var runner = TinyJob.Build(Job(workDir, "", model: "NormedModel"), registries))
        {
            runner.Train();
            weights = Path.Combine(workDir, "weights.safetensors");
            var state = runner.Model.state_dict().Where(kv => !kv.Key.EndsWith("num_batches_tracked", StringComparison.Ordinal))
                .ToDictionary(kv => kv.Key, kv => kv.Value);
            PyTorchInterop.SaveSafetensors(state, weights);
        }
        var loaded = TestEnvironment.NewTempDir("bn-load");
        var cfg = Job(loaded, $"load_from = {{ path = \"{weights}\", strict = true }}", model: "NormedModel");
        using var strict = TinyJob.Build(cfg, registries);

        strict.Train();

        Assert.IsFalse(RunRecords.LogLines(loaded).Any(l => l.Contains("missing keys", StringComparison.Ordinal)), "no warning about num_batches_tracked");
    }

    [TestMethod]
    public void GradientAccumulation_OnAModelWithBatchNorm_Warns()
    {
        var workDir = TestEnvironment.NewTempDir("accumulate");
        var cfg = Job(workDir, "", model: "NormedModel");
        cfg.Set("optim_wrapper", ConfigLoader.Parse("optimizer = { type = \"SGD\", lr = 0.1 }\naccumulative_counts = 2"), SourceLocation.Code);
        using (var runner = TinyJob.Build(cfg, TinyJob.Registries(typeof(NormedModel)))) runner.Train();

        Assert.IsTrue(RunRecords.LogLines(workDir).Any(l => l.Contains("may slightly decrease performance because the model has BatchNorm layers", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void SaveBest_Auto_BesideNamedMetrics_IsAnError()
    {
        var error = Assert.ThrowsExactly<ArgumentException>(() => new CheckpointHook(saveBest: new[] { "auto", "acc" }));

        StringAssert.Contains(error.Message, "save_best = \"auto\" stands alone");
    }

    [TestMethod]
    public void ConvertToIterBased_WithAnEmptyEpoch_IsAnError_NotANegativeStep()
    {
        var wrapper = new Runner.Sdk.Optim.OptimWrapper(optim.SGD(nn.Linear(2, 2).parameters(), 0.1));
        var scheduler = new Runner.Sdk.Optim.Schedulers.StepLR(wrapper, stepSize: 1, convertToIterBased: true);

        var error = Assert.ThrowsExactly<ArgumentException>(() => scheduler.Prepare(epochLength: 0, runLength: 4));

        StringAssert.Contains(error.Message, "at least one batch per epoch");
    }

    [TestMethod]
    public void KeptCheckpointList_SavedInACheckpoint_IsTheListAfterTheOldestGoes()
    {
        var workDir = TestEnvironment.NewTempDir("kept");
        using (var runner = TinyJob.Build(Job(workDir, "default_hooks = { checkpoint = { interval = 1, max_keep_ckpts = 3 } }"))) runner.Train();

        using var last = CheckpointFile.Load(Path.Combine(workDir, "epoch_4.ckpt"));
        var info = (Dictionary<string, object>)((Dictionary<string, object>)last.State["message_hub"])["runtime_info"];

        CollectionAssert.AreEqual(new object[] { "epoch_2.ckpt", "epoch_3.ckpt", "epoch_4.ckpt" }, (List<object>)info["keep_ckpts"]);
        CollectionAssert.AreEquivalent(new[] { "epoch_2.ckpt", "epoch_3.ckpt", "epoch_4.ckpt" }, Directory.GetFiles(workDir, "*.ckpt").Select(Path.GetFileName).ToArray());
    }

    public sealed class StrictHook : Hook
    {
        public void BeforeWarmupIter(TrainingRunner runner) => throw new RunnerException("warm-up needs a val loop");
    }

    [TestMethod]
    public void RunnerError_FromACustomStage_ArrivesAsItself()
    {
        var cfg = Job(TestEnvironment.NewTempDir("stage"), "");
        var hooks = new ConfigArray { new StrictHook() };
        cfg.Set("custom_hooks", hooks, SourceLocation.Code);
        using var runner = TinyJob.Build(cfg);

        var error = Assert.ThrowsExactly<RunnerException>(() => runner.CallHooks.Custom("before_warmup_iter"));

        Assert.AreEqual("warm-up needs a val loop", error.Message);
        StringAssert.Contains(error.StackTrace, nameof(StrictHook), "the hook's own frame is kept");
    }

    [TestMethod]
    public void IterBasedTrainLoopType_MeansTheSameAsByEpochFalse()
    {
        var workDir = TestEnvironment.NewTempDir("itertype");
        var config = ChildOfToy(workDir, "train_cfg = { _delete_ = true, type = \"IterBasedTrainLoop\", max_iters = 20, val_interval = 10 }\nparam_scheduler = []");

        var result = HostTester.Run("train", "--config", config, "--work-dir", workDir, "--cfg-options", "default_hooks.checkpoint.interval=10");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        CollectionAssert.AreEqual(new[] { 10, 20 }, RunRecords.Steps(workDir, "accuracy/top1"), "metrics recorded at the iteration");
        Assert.IsTrue(File.Exists(Path.Combine(workDir, "iter_20.ckpt")), "the checkpoint hook counts iterations");
    }

    [TestMethod]
    public void SchedulerBeginningAfterTheRunsEnd_IsInert_WithAWarning_SoAShortenedRunStillTrains()
    {
        // A run shortened to 2 epochs (or a fast dev run) of a config whose scheduler starts at epoch 5.
        var workDir = TestEnvironment.NewTempDir("late-scheduler");
        var config = ChildOfToy(workDir, "param_scheduler = [{ type = \"StepLR\", step_size = 1, gamma = 0.1, begin = 5 }]");

        var shortened = HostTester.Run("train", "--config", config, "--work-dir", workDir, "--cfg-options", "train_cfg.max_epochs=2");
        var fastDevRun = HostTester.Run("--config", config, "--fast-dev-run");

        Assert.AreEqual(0, shortened.ExitCode, shortened.Stderr);
        Assert.AreEqual(0, fastDevRun.ExitCode, fastDevRun.Stderr);
        StringAssert.Contains(shortened.Stdout, "param_scheduler[0]: StepLR begins at epoch 5, and training ends at epoch 2: it never changes lr.");
        var rates = shortened.Stdout.Split('\n').Where(l => l.Contains("Epoch(train)", StringComparison.Ordinal)).Select(l => l.Split("lr: ")[1].Split(' ')[0]).Distinct().ToList();
        CollectionAssert.AreEqual(new[] { "1.0000e-02" }, rates, "the learning rate stays the optimizer's");
    }

    [TestMethod]
    public void CheckpointHook_NamedByType_CountsIterations_WithAnIterationBasedLoop()
    {
        var workDir = TestEnvironment.NewTempDir("ckpt-type");
        var config = ChildOfToy(workDir, "train_cfg = { _delete_ = true, by_epoch = false, max_iters = 20, val_interval = 20 }\nparam_scheduler = []\n" +
            "default_hooks = { checkpoint = { _delete_ = true, type = \"CheckpointHook\", interval = 10 } }");

        var result = HostTester.Run("train", "--config", config, "--work-dir", workDir);

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        Assert.IsTrue(File.Exists(Path.Combine(workDir, "iter_10.ckpt")));
        Assert.IsTrue(File.Exists(Path.Combine(workDir, "iter_20.ckpt")));
    }

    /// <summary>A config file in <paramref name="dir"/> that inherits the toy job and adds <paramref name="body"/>.</summary>
    private static string ChildOfToy(string dir, string body)
    {
        var path = Path.Combine(dir, "child.toml");
        File.WriteAllText(path, $"_base_ = [\"{TestEnvironment.ToyConfig}\"]\n{body}\n");
        return path;
    }

    [TestMethod]
    public void EvaluatorForm_OfMmengine_IsAccepted()
    {
        var workDir = TestEnvironment.NewTempDir("evaluator");
        var config = ChildOfToy(workDir, "val_evaluator = { _delete_ = true, type = \"Evaluator\", metrics = [{ type = \"Accuracy\", topk = [1, 5] }] }");

        var result = HostTester.Run("train", "--config", config, "--work-dir", Path.Combine(workDir, "work"), "--cfg-options", "train_cfg.max_epochs=1");
        var validation = HostTester.Run("config", "validate", "--config", config);

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        Assert.HasCount(1, RunRecords.Scalars(Path.Combine(workDir, "work"), "accuracy/top5"));
        Assert.AreEqual(0, validation.ExitCode, validation.Stderr);
    }

    [TestMethod]
    public void HookOrderTable_ListsTheHostsOwnHooks()
    {
        var workDir = TestEnvironment.NewTempDir("order");

        var result = HostTester.Run("train", "--config", TestEnvironment.ToyConfig, "--work-dir", workDir, "--watch", "--verbose", "--cfg-options", "train_cfg.max_epochs=1");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        var table = result.Stdout[..result.Stdout.IndexOf("Epoch(train)", StringComparison.Ordinal)];
        StringAssert.Contains(table, "HookHotSwapper");
    }
}
