using Runner.Sdk.Configuration;
using Runner.Sdk.Hooks;
using Runner.Sdk.Hosting;
using Runner.Sdk.Running;
using Runner.Tests.Support;

namespace Runner.Tests.Hooks;

/// <summary>Which hooks are called, in which order, with which counters: the order table, default hooks, custom stages, the progress bar, an iteration-based loop.</summary>
[TestClass]
public sealed class HookCallTests
{
    [TestMethod]
    public void HookOrderTable_ListsHooksByStageAndPriority()
    {
        var cfg = ApiJob.Config(TestEnvironment.NewTempDir("order"));
        cfg.Set("model", new TinyModel(), SourceLocation.Code);
        using var runner = TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = ApiJob.Registries(), Console = null });

        var table = runner.CallHooks.DescribeOrder();

        StringAssert.StartsWith(table, "Hooks will be executed in the following order:\nbefore_run:\n(VERY_HIGH   ) RuntimeInfoHook                    \n -------------------- ");
        StringAssert.Contains(table, "after_train_epoch:\n(LOW         ) ParamSchedulerHook                 \n(VERY_LOW    ) CheckpointHook                     \n -------------------- ");
        CollectionAssert.AreEqual(new[] { "RuntimeInfoHook", "IterTimerHook", "DistSamplerSeedHook", "LoggerHook", "ParamSchedulerHook", "CheckpointHook" },
            runner.Hooks.Select(h => h.GetType().Name).ToArray());
    }

    [TestMethod]
    public void DefaultHooks_FalseRemoves_TableChangesOptions()
    {
        var cfg = ApiJob.Config(TestEnvironment.NewTempDir("defaults"));
        cfg.Set("model", new TinyModel(), SourceLocation.Code);
        var defaults = (ConfigTable)cfg["default_hooks"]!;
        defaults.Set("timer", false, SourceLocation.Code);
        defaults.Set("checkpoint", ConfigLoader.Parse("interval = 2\nmax_keep_ckpts = 1"), SourceLocation.Code);
        using var runner = TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = ApiJob.Registries(), Console = null });

        var checkpoint = runner.Hooks.OfType<CheckpointHook>().Single();

        Assert.IsFalse(runner.Hooks.OfType<IterTimerHook>().Any());
        Assert.AreEqual(5, runner.Hooks.Count);
        Assert.AreEqual(2, checkpoint.Interval);
        Assert.AreEqual(1, checkpoint.MaxKeepCkpts);
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
        var cfg = ApiJob.Config(TestEnvironment.NewTempDir("stages"));
        cfg.Set("model", new TinyModel(), SourceLocation.Code);
        var hook = new WarmupHook();
        var hooks = new ConfigArray();
        hooks.Add(hook);
        cfg.Set("custom_hooks", hooks, SourceLocation.Code);
        using var runner = TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = ApiJob.Registries(), Console = null });

        runner.CallHooks.Custom("before_warmup_iter");
        runner.CallHooks.Custom("after_warmup_iter", new Dictionary<string, object?> { ["step"] = 3 });
        runner.CallHooks.Custom("a_stage_nobody_defines");
        var error = Assert.ThrowsExactly<HookException>(() => runner.CallHooks.Custom("failing_stage"));

        CollectionAssert.AreEqual(new[] { "before_warmup_iter@0", "after_warmup_iter:3" }, hook.Calls);
        StringAssert.Contains(error.Message, "Hook WarmupHook (from Runner.Tests");
        StringAssert.Contains(error.Message, "failed in failing_stage at epoch 0, iter 0: InvalidOperationException: nope");
    }

    [TestMethod]
    public void ProgressBar_DrawsEachValidationBatch_ThenErasesItself_OnlyWhenEnabled()
    {
        var cfg = ApiJob.Config(TestEnvironment.NewTempDir("progress"));
        cfg.Set("model", new TinyModel(), SourceLocation.Code);
        using var runner = TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = ApiJob.Registries(), Console = null });
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
        var problems = JobConfig.FindProblems(ConfigLoader.Parse("""
            default_scope = "tests"
            model = { type = "TinyModel" }
            custom_hooks = [{ type = "ProgressBarHook", always = true }]
            """), TinyJob.Registries(), "tests");
        Assert.HasCount(0, problems, "configurable from a config: " + string.Join("; ", problems.Select(p => p.Message)));
    }

    [TestMethod]
    public void IterBasedLoop_HookCountersAreMmengines()
    {
        var cfg = ApiJob.Config(TestEnvironment.NewTempDir("iter-counters"));
        cfg.Set("model", new TinyModel(), SourceLocation.Code);
        cfg.Set("train_cfg", ConfigLoader.Parse("by_epoch = false\nmax_iters = 10\nval_interval = 5"), SourceLocation.Code);
        var hook = new CountingHook();
        var hooks = new ConfigArray();
        hooks.Add(hook);
        cfg.Set("custom_hooks", hooks, SourceLocation.Code);
        using var runner = TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = ApiJob.Registries(), Console = null });

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
