using Runner.Sdk.Checkpoints;
using Runner.Sdk.Configuration;
using Runner.Sdk.Data;
using Runner.Sdk.Evaluation;
using Runner.Sdk.Hooks;
using Runner.Sdk.Models;
using Runner.Sdk.Registries;
using Runner.Sdk.Running;
using Runner.Tests.Support;
using TorchSharp.Modules;
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

    /// <summary>Counts every hook call and records the counters it saw.</summary>
    public sealed class CountingHook : Hook
    {
        public Dictionary<string, int> Calls { get; } = [];

        public List<(string Point, int Epoch, int Iter, int BatchIdx)> Seen { get; } = [];

        private void Count(string point, TrainingRunner runner, int batchIdx = -1)
        {
            Calls[point] = Calls.GetValueOrDefault(point) + 1;
            Seen.Add((point, runner.Epoch, runner.Iter, batchIdx));
        }

        public override void BeforeRun(TrainingRunner runner) => Count("before_run", runner);

        public override void BeforeTrain(TrainingRunner runner) => Count("before_train", runner);

        public override void BeforeTrainEpoch(TrainingRunner runner) => Count("before_train_epoch", runner);

        public override void BeforeTrainIter(TrainingRunner runner, int batchIdx, DataBatch dataBatch) => Count("before_train_iter", runner, batchIdx);

        public override void AfterTrainEpoch(TrainingRunner runner) => Count("after_train_epoch", runner);

        public override void BeforeValEpoch(TrainingRunner runner) => Count("before_val_epoch", runner);

        public override void BeforeValIter(TrainingRunner runner, int batchIdx, DataBatch dataBatch) => Count("before_val_iter", runner, batchIdx);

        public override void AfterValEpoch(TrainingRunner runner, IReadOnlyDictionary<string, double>? metrics) => Count("after_val_epoch", runner);

        public override void BeforeSaveCheckpoint(TrainingRunner runner, Checkpoint checkpoint) => Count("before_save_checkpoint", runner);

        public override void AfterRun(TrainingRunner runner) => Count("after_run", runner);
    }

    private static RegistryRoot Registries()
    {
        var registries = new RegistryRoot();
        registries.Register(typeof(TwelveSamples), new RegisterAttribute(), "tests", "tests");
        return registries;
    }

    private static ConfigTable Config(string workDir) => ConfigLoader.Parse($$"""
        default_scope = "tests"
        work_dir = "{{workDir}}"
        randomness = { seed = 1 }
        train_cfg = { max_epochs = 2 }
        val_cfg = {}
        optim_wrapper = { optimizer = { type = "SGD", lr = 0.1 } }
        val_evaluator = { metrics = [{ type = "Accuracy" }] }
        log_processor = { window_size = 5 }
        default_hooks = { logger = { interval = 1 } }
        [train_dataloader]
        batch_size = 3
        dataset = { type = "TwelveSamples" }
        sampler = { type = "DefaultSampler", shuffle = true }
        [val_dataloader]
        batch_size = 3
        dataset = { type = "TwelveSamples" }
        """, "api.toml");

    [TestMethod]
    public void ReadyObjects_TakeThePlaceOfTables_AndHooksAreCalledAsInMmengine()
    {
        // Arrange
        var cfg = Config(TestEnvironment.NewTempDir("api"));
        var model = new TinyModel();
        var hook = new CountingHook();
        cfg.Set("model", model, SourceLocation.Code);
        var hooks = new ConfigArray();
        hooks.Add(hook);
        cfg.Set("custom_hooks", hooks, SourceLocation.Code);
        using var runner = TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = Registries(), Console = null });

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
    public void HookOrderTable_ListsHooksByStageAndPriority()
    {
        var cfg = Config(TestEnvironment.NewTempDir("order"));
        cfg.Set("model", new TinyModel(), SourceLocation.Code);
        using var runner = TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = Registries(), Console = null });

        var table = runner.CallHooks.DescribeOrder();

        StringAssert.StartsWith(table, "Hooks will be executed in the following order:\nbefore_run:\n(VERY_HIGH   ) RuntimeInfoHook                    \n -------------------- ");
        StringAssert.Contains(table, "after_train_epoch:\n(LOW         ) ParamSchedulerHook                 \n(VERY_LOW    ) CheckpointHook                     \n -------------------- ");
        CollectionAssert.AreEqual(new[] { "RuntimeInfoHook", "IterTimerHook", "DistSamplerSeedHook", "LoggerHook", "ParamSchedulerHook", "CheckpointHook" },
            runner.Hooks.Select(h => h.GetType().Name).ToArray());
    }

    [TestMethod]
    public void DefaultHooks_FalseRemoves_TableChangesOptions()
    {
        var cfg = Config(TestEnvironment.NewTempDir("defaults"));
        cfg.Set("model", new TinyModel(), SourceLocation.Code);
        var defaults = (ConfigTable)cfg["default_hooks"]!;
        defaults.Set("timer", false, SourceLocation.Code);
        defaults.Set("checkpoint", ConfigLoader.Parse("interval = 2\nmax_keep_ckpts = 1"), SourceLocation.Code);
        using var runner = TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = Registries(), Console = null });

        var checkpoint = runner.Hooks.OfType<CheckpointHook>().Single();

        Assert.IsFalse(runner.Hooks.OfType<IterTimerHook>().Any());
        Assert.AreEqual(5, runner.Hooks.Count);
        Assert.AreEqual(2, checkpoint.Interval);
        Assert.AreEqual(1, checkpoint.MaxKeepCkpts);
    }

    [TestMethod]
    public void SameSeed_GivesIdenticalRuns()
    {
        double[] Run()
        {
            var cfg = Config(TestEnvironment.NewTempDir("seed"));
            cfg.Set("model", ConfigLoader.Parse("type = \"TinyModelForSeed\""), SourceLocation.Code);
            var registries = Registries();
            registries.Register(typeof(TinyModel), new RegisterAttribute("TinyModelForSeed"), "tests", "tests");
            using var runner = TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = registries, Console = null });
            runner.Train();
            return runner.Model.parameters().SelectMany(p => p.data<float>().ToArray()).Select(v => (double)v).ToArray();
        }

        CollectionAssert.AreEqual(Run(), Run());
    }

    [TestMethod]
    public void LoggedLr_FollowsTheScheduleExactly()
    {
        // Arrange: warm-up over the first 4 iterations, then x0.1 after epoch 1; logger interval 1.
        var workDir = TestEnvironment.NewTempDir("lr");
        var cfg = Config(workDir);
        cfg.Set("model", new TinyModel(), SourceLocation.Code);
        cfg.Set("param_scheduler", ConfigLoader.Parse("""
            s = [{ type = "LinearLR", start_factor = 0.25, by_epoch = false, begin = 0, end = 4 },
                 { type = "MultiStepLR", milestones = [1], gamma = 0.1 }]
            """)["s"], SourceLocation.Code);
        using var runner = TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = Registries(), Console = null });

        // Act
        runner.Train();

        // Assert
        var logged = RunRecords.Scalars(workDir, "lr");
        double Warm(int k) => 0.1 * (0.25 + 0.75 * k / 3.0);
        double[] expected = [Warm(0), Warm(1), Warm(2), Warm(3), 0.01, 0.01, 0.01, 0.01];
        Assert.HasCount(8, logged);
        for (var i = 0; i < expected.Length; i++) Assert.AreEqual(expected[i], logged[i], 1e-12, $"iteration {i + 1}");
    }

    [TestMethod]
    public void AutoScaleLr_ScalesByBatchSizeOverBase()
    {
        var workDir = TestEnvironment.NewTempDir("autoscale");
        var cfg = Config(workDir);
        cfg.Set("model", new TinyModel(), SourceLocation.Code);
        cfg.Set("auto_scale_lr", ConfigLoader.Parse("base_batch_size = 6\nenable = true"), SourceLocation.Code);
        using var runner = TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = Registries(), Console = null });

        runner.Train();

        Assert.AreEqual(0.05, RunRecords.Scalars(workDir, "lr")[0], 1e-12);
        Assert.IsTrue(RunRecords.LogLines(workDir).Any(l => l.Contains(
            "LR is set based on batch size of 6 and the current batch size is 3. Scaling the original LR by 0.5.")));
    }

    [TestMethod]
    public void AutoScaleLr_WithoutBaseBatchSize_IsAConfigError()
    {
        var cfg = Config(TestEnvironment.NewTempDir("autoscale-bad"));
        cfg.Set("model", new TinyModel(), SourceLocation.Code);
        cfg.Set("auto_scale_lr", ConfigLoader.Parse("enable = true", "api.toml"), SourceLocation.Code);

        var error = Assert.ThrowsExactly<ConfigException>(() => TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = Registries(), Console = null }));

        StringAssert.Contains(error.Message, "AutoScaleLrSettings needs 'base_batch_size', which is missing.");
    }

    public sealed class ThrowingModel : BaseModel
    {
        private readonly Linear fc = nn.Linear(2, 2);

        public ThrowingModel() : base(nameof(ThrowingModel)) => RegisterComponents();

        public override ModelOutput Forward(DataBatch batch, ForwardMode mode) => throw new InvalidOperationException("boom");
    }

    [TestMethod]
    public void FailingModel_IsNamedWithItsAssemblyAndWhereTheRunWas()
    {
        var cfg = Config(TestEnvironment.NewTempDir("throws"));
        cfg.Set("model", new ThrowingModel(), SourceLocation.Code);
        using var runner = TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = Registries(), Console = null });

        var error = Assert.ThrowsExactly<Runner.Sdk.ComponentException>(runner.Train);

        StringAssert.Contains(error.Message, "ThrowingModel (from Runner.Tests ");
        StringAssert.Contains(error.Message, "failed in TrainStep at epoch 0, iter 0: InvalidOperationException: boom");
    }

    /// <summary>A metric whose figures cannot be written (a full disk).</summary>
    public sealed class FullDiskMetric : BaseMetric<long>
    {
        protected override string DefaultPrefix => "full";

        public override void Process(DataBatch dataBatch, DataBatch predictions) => Add(dataBatch.Count);

        protected override IReadOnlyDictionary<string, double> Compute(IReadOnlyList<long> results) => throw new IOException("No space left on device");
    }

    [TestMethod]
    public void FailingMetric_IsNamed_NotTheEvaluator()
    {
        var cfg = Config(TestEnvironment.NewTempDir("metric-throws"));
        cfg.Set("model", new TinyModel(), SourceLocation.Code);
        cfg.Set("val_evaluator", new Evaluator([new Runner.Sdk.Evaluation.Metrics.Accuracy(), new FullDiskMetric()]), SourceLocation.Code);
        using var runner = TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = Registries(), Console = null });

        var error = Assert.ThrowsExactly<Runner.Sdk.ComponentException>(runner.Train);

        StringAssert.StartsWith(error.Message, "FullDiskMetric (from Runner.Tests ");
        StringAssert.Contains(error.Message, "failed in Evaluate at epoch 1, iter 4: IOException: No space left on device");
    }

    [TestMethod]
    public void Deterministic_SwitchesLibtorchToDeterministicAlgorithms()
    {
        var cfg = Config(TestEnvironment.NewTempDir("deterministic"));
        cfg.Set("model", new TinyModel(), SourceLocation.Code);
        cfg.Set("randomness", ConfigLoader.Parse("seed = 1\ndeterministic = true"), SourceLocation.Code);

        bool on;
        using (TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = Registries(), Console = null }))
            on = Runner.Sdk.Native.LibTorchContext.DeterministicAlgorithms;
        cfg.Set("randomness", ConfigLoader.Parse("seed = 1"), SourceLocation.Code);
        using (TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = Registries(), Console = null })) { }

        Assert.IsTrue(on);
        Assert.IsFalse(Runner.Sdk.Native.LibTorchContext.DeterministicAlgorithms);
    }

    /// <summary>A hook for stages a custom loop defines.</summary>
    public sealed class WarmupHook : Hook
    {
        public List<string> Calls { get; } = [];

        public void BeforeWarmupIter(TrainingRunner runner) => Calls.Add($"before_warmup_iter@{runner.Iter}");

        public void AfterWarmupIter(TrainingRunner runner, IReadOnlyDictionary<string, object?> arguments) => Calls.Add($"after_warmup_iter:{arguments["step"]}");

        public void FailingStage(TrainingRunner runner) => throw new InvalidOperationException("nope");
    }

    [TestMethod]
    public void CustomStages_CallTheHooksThatDefineThem_ByName()
    {
        var cfg = Config(TestEnvironment.NewTempDir("stages"));
        cfg.Set("model", new TinyModel(), SourceLocation.Code);
        var hook = new WarmupHook();
        var hooks = new ConfigArray();
        hooks.Add(hook);
        cfg.Set("custom_hooks", hooks, SourceLocation.Code);
        using var runner = TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = Registries(), Console = null });

        runner.CallHooks.Custom("before_warmup_iter");
        runner.CallHooks.Custom("after_warmup_iter", new Dictionary<string, object?> { ["step"] = 3 });
        runner.CallHooks.Custom("a_stage_nobody_defines");
        var error = Assert.ThrowsExactly<HookException>(() => runner.CallHooks.Custom("failing_stage"));

        CollectionAssert.AreEqual(new[] { "before_warmup_iter@0", "after_warmup_iter:3" }, hook.Calls);
        StringAssert.Contains(error.Message, "Hook WarmupHook (from Runner.Tests");
        StringAssert.Contains(error.Message, "failed in failing_stage at epoch 0, iter 0: InvalidOperationException: nope");
    }

    [TestMethod]
    public void LogProcessorCustomCfg_AddsTheConfiguredStatistics_AndRejectsDuplicates()
    {
        var workDir = TestEnvironment.NewTempDir("custom-cfg");
        var cfg = Config(workDir);
        cfg.Set("model", new TinyModel(), SourceLocation.Code);
        cfg.Set("log_processor", ConfigLoader.Parse("""
            custom_cfg = [{ data_src = "loss", log_name = "loss_global", window_size = "global" },
                          { data_src = "loss", log_name = "loss_max", method_name = "max", window_size = 2 }]
            """), SourceLocation.Code);
        using var runner = TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = Registries(), Console = null });

        runner.Train();

        var losses = RunRecords.Scalars(workDir, "loss");
        var global = RunRecords.Scalars(workDir, "loss_global");
        var max = RunRecords.Scalars(workDir, "loss_max");
        var raw = runner.MessageHub.GetScalar("train/loss")!;
        Assert.AreEqual(raw.GlobalSum / raw.GlobalCount, global[^1], 1e-9, "the mean since training began");
        Assert.AreEqual(raw.Max(2), max[^1], 1e-12);
        Assert.HasCount(losses.Count, global);
        var error = Assert.ThrowsExactly<ArgumentException>(() => new Runner.Sdk.Logging.LogProcessor(customCfg:
            [new Runner.Sdk.Logging.CustomLogSetting("loss"), new Runner.Sdk.Logging.CustomLogSetting("loss")]));
        StringAssert.Contains(error.Message, "custom_cfg defines 'loss' twice");
        Assert.ThrowsExactly<ArgumentException>(() => new Runner.Sdk.Logging.LogProcessor(byEpoch: false,
            customCfg: [new Runner.Sdk.Logging.CustomLogSetting("loss", windowSize: "epoch")]));
    }

    [TestMethod]
    public void EnvCfg_ResourceLimit_RaisesTheOpenFileLimit_AndNotesOptionsWithoutEffect()
    {
        var workDir = TestEnvironment.NewTempDir("env");
        var cfg = Config(workDir);
        cfg.Set("model", new TinyModel(), SourceLocation.Code);
        cfg.Set("env_cfg", ConfigLoader.Parse("resource_limit = 1024\nmp_cfg = { mp_start_method = \"fork\" }\ndist_cfg = { backend = \"nccl\" }"), SourceLocation.Code);

        using (TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = Registries(), Console = null })) { }

        var log = string.Join("\n", RunRecords.LogLines(workDir));
        StringAssert.Matches(log, new(@"Open-file limit \(RLIMIT_NOFILE\) is now \d+\."));
        StringAssert.Contains(log, "env_cfg.mp_cfg has no effect: data loader workers are threads here");
        StringAssert.Contains(log, "env_cfg.dist_cfg.backend = \"nccl\" is not available: the ranks talk through Open MPI");
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
        }, new RunnerOptions { Registries = Registries(), Console = null });

        // Act
        runner.Train();

        // Assert
        Assert.AreSame(optimWrapper, runner.OptimWrapper);
        Assert.AreSame(loader, runner.TrainLoop!.Dataloader);
        Assert.AreEqual(8, hook.Calls["before_train_iter"]);
        Assert.AreEqual(8, runner.Iter);
    }

    [TestMethod]
    public void InconsistentTriples_AndSchedulerWithoutOptimizer_AreConfigErrors()
    {
        var cfg = Config(TestEnvironment.NewTempDir("triples"));
        cfg.Set("model", new TinyModel(), SourceLocation.Code);
        cfg.Remove("optim_wrapper");
        cfg.Remove("val_evaluator");
        cfg.Set("param_scheduler", ConfigLoader.Parse("type = \"StepLR\"\nstep_size = 1"), SourceLocation.Code);

        var error = Assert.ThrowsExactly<ConfigException>(() => TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = Registries(), Console = null }));

        StringAssert.Contains(error.Message, "3 problems in the config:");
        StringAssert.Contains(error.Message, "train_dataloader, train_cfg and optim_wrapper go together: the config sets train_dataloader and train_cfg but not optim_wrapper.");
        StringAssert.Contains(error.Message, "val_dataloader, val_cfg and val_evaluator go together: the config sets val_dataloader and val_cfg but not val_evaluator.");
        StringAssert.Contains(error.Message, "param_scheduler: param_scheduler needs an optim_wrapper.");
    }

    [TestMethod]
    public void ProgressBar_DrawsEachValidationBatch_ThenErasesItself_OnlyWhenEnabled()
    {
        var cfg = Config(TestEnvironment.NewTempDir("progress"));
        cfg.Set("model", new TinyModel(), SourceLocation.Code);
        using var runner = TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = Registries(), Console = null });
        var terminal = new StringWriter();
        var redirected = new StringWriter();
        runner.CallHooks.Register(new ProgressBarHook(terminal, enabled: true));
        runner.CallHooks.Register(new ProgressBarHook(redirected, enabled: false));

        runner.Val();
        var validation = terminal.ToString();
        terminal.GetStringBuilder().Clear();
        runner.Train();
        var training = terminal.ToString();

        StringAssert.Contains(validation, "\r\u001b[2Kval [#####---------------] 1/4  eta ");
        StringAssert.Contains(validation, "\r\u001b[2Kval [###############-----] 3/4  eta ");
        Assert.IsFalse(validation.Contains("4/4", StringComparison.Ordinal), "the last batch erases the bar instead");
        Assert.IsTrue(validation.EndsWith("\r\u001b[2K", StringComparison.Ordinal), "the bar is erased at the end");
        StringAssert.Contains(training, "\r\u001b[2Ktrain [##--------] 1/4  epoch 1/");
        StringAssert.Matches(training, new System.Text.RegularExpressions.Regex(@"train \[#+-+\] \d/4  epoch \d/\d+  loss \d+\.\d{4}  \d+\.\d it/s  eta \d+:\d\d:\d\d\r"));
        Assert.AreEqual("", redirected.ToString());
        var problems = TrainingRunner.FindConfigProblems(ConfigLoader.Parse("""
            default_scope = "tests"
            model = { type = "TinyModel" }
            custom_hooks = [{ type = "ProgressBarHook", always = true }]
            """), TinyJob.Registries(), "tests");
        Assert.HasCount(0, problems, "configurable from a config: " + string.Join("; ", problems.Select(p => p.Message)));
    }

    [TestMethod]
    public void TestLoopInBfloat16_EvaluatesThenRestoresTheExactWeights_ValInTrainingRefusesIt()
    {
        var cfg = Config(TestEnvironment.NewTempDir("bf16-test"));
        cfg.Set("model", new TinyModel(), SourceLocation.Code);
        cfg.Set("test_dataloader", ConfigLoader.Parse("batch_size = 3\ndataset = { type = \"TwelveSamples\" }"), SourceLocation.Code);
        cfg.Set("test_cfg", ConfigLoader.Parse("dtype = \"bfloat16\""), SourceLocation.Code);
        cfg.Set("test_evaluator", ConfigLoader.Parse("type = \"Accuracy\""), SourceLocation.Code);
        using var runner = TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = Registries(), Console = null });
        runner.Train();
        var before = runner.Model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.data<float>().ToArray());

        var metrics = runner.Test();

        Assert.IsTrue(metrics.ContainsKey("accuracy/top1"));
        foreach (var (name, tensor) in runner.Model.state_dict())
        {
            Assert.AreEqual(ScalarType.Float32, tensor.dtype);
            CollectionAssert.AreEqual(before[name], tensor.data<float>().ToArray(), $"{name} changed");
        }

        var training = Config(TestEnvironment.NewTempDir("bf16-val"));
        training.Set("model", new TinyModel(), SourceLocation.Code);
        training.Set("val_cfg", ConfigLoader.Parse("dtype = \"bfloat16\""), SourceLocation.Code);
        using var refusing = TrainingRunner.FromConfig(training, new RunnerOptions { Registries = Registries(), Console = null });
        var error = Assert.ThrowsExactly<ConfigException>(refusing.Train);
        StringAssert.Contains(error.Message, "validation inside training cannot run in reduced precision");
    }

    [TestMethod]
    public void IterBasedLoop_HookCountersAreMmengines()
    {
        var cfg = Config(TestEnvironment.NewTempDir("iter-counters"));
        cfg.Set("model", new TinyModel(), SourceLocation.Code);
        cfg.Set("train_cfg", ConfigLoader.Parse("by_epoch = false\nmax_iters = 10\nval_interval = 5"), SourceLocation.Code);
        var hook = new CountingHook();
        var hooks = new ConfigArray();
        hooks.Add(hook);
        cfg.Set("custom_hooks", hooks, SourceLocation.Code);
        using var runner = TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = Registries(), Console = null });

        runner.Train();

        // the epoch hooks run once, batch_idx is the global iteration, the epoch stays 0; validation after 5 and 10
        Assert.AreEqual(1, hook.Calls["before_train_epoch"]);
        Assert.AreEqual(1, hook.Calls["after_train_epoch"]);
        Assert.AreEqual(10, hook.Calls["before_train_iter"]);
        Assert.AreEqual(2, hook.Calls["after_val_epoch"]);
        CollectionAssert.AreEqual(Enumerable.Range(0, 10).ToArray(), hook.Seen.Where(s => s.Point == "before_train_iter").Select(s => s.BatchIdx).ToArray());
        Assert.IsTrue(hook.Seen.Where(s => s.Point == "before_train_iter").All(s => s.Epoch == 0));
        Assert.AreEqual(("after_val_epoch", 0, 5, -1), hook.Seen.First(s => s.Point == "after_val_epoch"));
        Assert.AreEqual(1, runner.MaxEpochs);
        Assert.AreEqual(10, runner.MaxIters);
    }
}
