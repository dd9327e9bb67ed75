using Runner.Sdk;
using Runner.Sdk.Configuration;
using Runner.Sdk.Running;
using Runner.Tests.Support;

namespace Runner.Tests.Optim;

/// <summary><c>optim_wrapper.flat_buffers</c>: the same training as without it, laid out in one buffer.</summary>
[TestClass]
public sealed class FlatBuffersTests
{
    private static TrainingRunner Toy(string workDir, params string[] overrides)
    {
        var cfg = ConfigLoader.Load(TestEnvironment.ToyConfig, ["default_hooks.logger.interval=1", .. overrides]);
        cfg.Set("work_dir", workDir, SourceLocation.Code);
        return TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = BuiltinPlugins.Registries, Console = null, ConfigPath = TestEnvironment.ToyConfig });
    }

    private static (float[] Weights, double[] Losses) Train(string workDir, params string[] overrides)
    {
        using var runner = Toy(workDir, overrides);
        runner.Train();
        var weights = runner.Model.parameters().SelectMany(p => p.detach().contiguous().data<float>().ToArray()).ToArray();
        var losses = ((IEnumerable<double>)runner.MessageHub.GetScalar("train/loss")!.StateDict()["values"]).ToArray();
        return (weights, losses);
    }

    [TestMethod]
    public void FlatBuffers_TrainLikeSeparateParameters_AndResumeExactly()
    {
        var separate = Train(TestEnvironment.NewTempDir("separate"));
        var flat = Train(TestEnvironment.NewTempDir("flat"), "optim_wrapper.flat_buffers=true");
        var interrupted = TestEnvironment.NewTempDir("flat-resumed");
        Train(interrupted, "optim_wrapper.flat_buffers=true", "train_cfg.max_epochs=2");
        var resumed = Train(interrupted, "optim_wrapper.flat_buffers=true", "resume=true");

        Assert.HasCount(separate.Weights.Length, flat.Weights);
        for (var i = 0; i < separate.Weights.Length; i++) Assert.AreEqual(separate.Weights[i], flat.Weights[i], 1e-6f, $"weight {i}");
        CollectionAssert.AreEqual(flat.Weights, resumed.Weights, "a resumed flat run ends bit-identical");
        Assert.HasCount(separate.Losses.Length, flat.Losses);
        for (var i = 0; i < separate.Losses.Length; i++) Assert.AreEqual(separate.Losses[i], flat.Losses[i], 1e-6, $"loss of iteration {i + 1}");
    }

    [TestMethod]
    public void FlatBuffers_TheOptimizerStepsOneParameter_OfWhichTheModelsAreViews()
    {
        using var runner = Toy(TestEnvironment.NewTempDir("flat-layout"), "optim_wrapper.flat_buffers=true", "train_cfg.max_epochs=1");
        runner.Train();

        var stepped = runner.OptimWrapper!.Optimizer.parameters().ToList();
        var model = runner.Model.parameters().ToList();
        using var before = stepped[0].detach().clone();
        using (TorchSharp.torch.no_grad()) model[0].add_(1.0f);

        Assert.HasCount(1, stepped);
        Assert.AreEqual(model.Sum(p => p.numel()), stepped[0].numel());
        Assert.IsTrue(runner.OptimWrapper.FlatBuffers);
        Assert.AreEqual(model[0].numel(), (long)(stepped[0] - before).sum().item<float>(), "changing a model parameter changes the flat buffer");
    }

    [TestMethod]
    public void Resume_AcrossTheSetting_IsRefusedClearly()
    {
        var workDir = TestEnvironment.NewTempDir("flat-switch");
        Train(workDir, "train_cfg.max_epochs=1");

        var error = Assert.ThrowsExactly<RunnerException>(() => Train(workDir, "optim_wrapper.flat_buffers=true", "resume=true"));

        StringAssert.Contains(error.Message, "saved with optim_wrapper.flat_buffers = false, and this run sets it true");
    }

    [TestMethod]
    public void WithParamwiseCfg_IsAConfigErrorAtTheKey()
    {
        var error = Assert.ThrowsExactly<ConfigException>(() => Toy(TestEnvironment.NewTempDir("flat-paramwise"), "optim_wrapper.flat_buffers=true",
            "optim_wrapper.paramwise_cfg={ bias_lr_mult = 2.0 }"));

        StringAssert.Contains(error.Message, "optim_wrapper.flat_buffers: flat_buffers lays the parameters out as one group, and paramwise_cfg asks for several.");
    }

    [TestMethod]
    public void WithAmpOptimWrapper_IsAConfigErrorAtTheKey()
    {
        var error = Assert.ThrowsExactly<ConfigException>(() => Toy(TestEnvironment.NewTempDir("flat-amp"), "optim_wrapper.flat_buffers=true",
            "optim_wrapper.type=\"AmpOptimWrapper\""));

        StringAssert.Contains(error.Message, "optim_wrapper.flat_buffers: flat_buffers is for the plain OptimWrapper");
    }
}
