using Runner.Sdk.Hosting;
using Runner.Tests.Support;

namespace Runner.Tests.Running;

/// <summary>
/// The config is checked by the code that builds it, in check mode: plain options (clip_grad, custom_cfg, load_from,
/// env_cfg…) are bound and checked there too, so their mistakes are found before anything is built, at their line.
/// </summary>
[TestClass]
public sealed class ConfigCheckTests
{
    private static IReadOnlyList<Runner.Sdk.RunnerException> Problems(string body)
    {
        var cfg = TinyJob.Config("/tmp/unused", $$"""
            model = { type = "TinyModel" }
            train_cfg = { by_epoch = true, max_epochs = 2 }
            {{body}}
            """, withVal: false);
        return JobConfig.FindProblems(cfg, TinyJob.Registries(), "tests");
    }

    private static void AssertOneProblem(string body, string expected)
    {
        var problems = Problems(body);
        Assert.HasCount(1, problems, string.Join("\n", problems.Select(p => p.Message)));
        StringAssert.Contains(problems[0].Message, expected);
    }

    [TestMethod]
    public void ClipGrad_IsCheckedAtItsKey()
    {
        AssertOneProblem("optim_wrapper = { optimizer = { type = \"SGD\", lr = 0.1 }, clip_grad = { max_norm = -1.0 } }",
            "tiny.toml(5,73): optim_wrapper.clip_grad.max_norm: must be a positive, finite number, got -1.");
        AssertOneProblem("optim_wrapper = { optimizer = { type = \"SGD\", lr = 0.1 }, clip_grad = { type = \"value\", max_norm = 1.0 } }",
            "optim_wrapper.clip_grad.max_norm: max_norm and norm_type are for type = \"norm\"");
        AssertOneProblem("optim_wrapper = { optimizer = { type = \"SGD\", lr = 0.1 }, clip_grad = { max_nrom = 1.0 } }",
            "ClipGradSettings has no option 'max_nrom'.");
    }

    [TestMethod]
    [DataRow("{ type = \"ExponentialLR\", gamma = -1.0 }", "param_scheduler[0].gamma: must be greater than 0 and finite, got the number -1.0.")]
    [DataRow("{ type = \"StepLR\", step_size = 1, gamma = 0 }", "param_scheduler[0].gamma: must be greater than 0 and finite, got the integer 0.")]
    [DataRow("{ type = \"MultiStepMomentum\", milestones = [1], gamma = -0.5 }", "param_scheduler[0].gamma: must be greater than 0 and finite")]
    [DataRow("{ type = \"PolyLR\", power = -1.0 }", "param_scheduler[0].power: must be at least 0 and finite, got the number -1.0.")]
    public void SchedulerFactors_ThatWouldNegateOrBlowUpTheValue_AreRefusedAtTheirKey(string scheduler, string message)
    {
        AssertOneProblem($"optim_wrapper = {{ optimizer = {{ type = \"SGD\", lr = 0.1, momentum = 0.9 }} }}\nparam_scheduler = [{scheduler}]", message);
    }

    [TestMethod]
    public void LossScaleTable_IsCheckedAtItsKey()
    {
        AssertOneProblem("optim_wrapper = { type = \"AmpOptimWrapper\", optimizer = { type = \"SGD\", lr = 0.1 }, loss_scale = { backoff_factor = 2.0 } }",
            "optim_wrapper.loss_scale.backoff_factor: must be between 0 and 1, got the number 2.0.");
        AssertOneProblem("optim_wrapper = { type = \"AmpOptimWrapper\", optimizer = { type = \"SGD\", lr = 0.1 }, loss_scale = { init = 2.0 } }",
            "DynamicLossScale has no option 'init'.");
    }

    [TestMethod]
    public void CustomLogSettings_AreCheckedAtTheirKey()
    {
        AssertOneProblem("optim_wrapper = { optimizer = { type = \"SGD\", lr = 0.1 } }\nlog_processor = { custom_cfg = [{ data_src = \"loss\", method_name = \"median\" }] }",
            "log_processor.custom_cfg[0].method_name: must be mean, max, min or current, got \"median\".");
    }

    [TestMethod]
    public void LoadFrom_IsCheckedAtItsKey()
    {
        AssertOneProblem("optim_wrapper = { optimizer = { type = \"SGD\", lr = 0.1 } }\nload_from = { path = \"x.ckpt\", map_location = \"gpu9\" }",
            "load_from.map_location: expected a device name such as \"cpu\" or \"cuda:0\", got \"gpu9\".");
        AssertOneProblem("optim_wrapper = { optimizer = { type = \"SGD\", lr = 0.1 } }\nload_from = { path = \"x.ckpt\", revise_keys = [[\"a\", \"b\", \"c\"]] }",
            "load_from.revise_keys: expected [regex, replacement] pairs, got a list of 3");
    }

    [TestMethod]
    public void SaveBest_AcceptsOneNameOrAList()
    {
        Assert.HasCount(0, Problems("optim_wrapper = { optimizer = { type = \"SGD\", lr = 0.1 } }\ndefault_hooks = { checkpoint = { save_best = \"accuracy\" } }"));
        Assert.HasCount(0, Problems("optim_wrapper = { optimizer = { type = \"SGD\", lr = 0.1 } }\ndefault_hooks = { checkpoint = { save_best = [\"accuracy\", \"loss\"] } }"));
        AssertOneProblem("optim_wrapper = { optimizer = { type = \"SGD\", lr = 0.1 } }\ndefault_hooks = { checkpoint = { save_best = 5 } }",
            "default_hooks.checkpoint.save_best: expected a list of strings, got the integer 5.");
    }

    [TestMethod]
    public void SeveralProblems_AreAllReported_EachAtItsLine()
    {
        var problems = Problems("""
            optim_wrapper = { optimizer = { type = "SGD", lr = -0.1 } }
            param_scheduler = [{ type = "MultiStepLR", milestones = [-1] }, { type = "NoSuchLR" }]
            env_cfg = { num_threads = 0 }
            """);

        var messages = string.Join("\n", problems.Select(p => p.Message));
        Assert.HasCount(4, problems, messages);
        StringAssert.Contains(messages, "optim_wrapper.optimizer.lr: must be greater than 0 and finite, got the number -0.1.");
        StringAssert.Contains(messages, "param_scheduler[0].milestones[0]: must be at least 0, got the integer -1.");
        StringAssert.Contains(messages, "'NoSuchLR' is not in the");
        StringAssert.Contains(messages, "env_cfg.num_threads: must be between 1 and 1024, got the integer 0.");
    }
}
