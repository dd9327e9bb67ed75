using Runner.Sdk.Checkpoints;
using Runner.Sdk.Optim;
using Runner.Sdk.Running;
using Runner.Tests.Support;
using static TorchSharp.torch;

namespace Runner.Tests.Optim;

/// <summary>Reduced precision without autocast: a bfloat16 model with float32 master weights.</summary>
[TestClass]
public sealed class AmpOptimWrapperTests
{
    private static TrainingRunner AmpRunner(string workDir, string lossScale = "")
    {
        var cfg = TinyJob.Config(workDir, $$"""
            randomness = { seed = 5 }
            model = { type = "TinyModel" }
            train_cfg = { max_epochs = 2 }
            optim_wrapper = { type = "AmpOptimWrapper", dtype = "bfloat16", optimizer = { type = "SGD", lr = 0.5 }{{lossScale}} }
            """, withVal: false);
        return TinyJob.Build(cfg);
    }

    [TestMethod]
    public void Bfloat16_ModelRunsInBf16_OptimizerStepsFloat32Masters_CheckpointKeepsThem()
    {
        // Arrange
        var workDir = TestEnvironment.NewTempDir("amp");
        using var runner = AmpRunner(workDir);

        // Act
        runner.Train();

        // Assert
        var wrapper = (AmpOptimWrapper)runner.OptimWrapper!;
        var modelParams = runner.Model.parameters().ToList();
        var masters = wrapper.Optimizer.parameters().ToList();
        Assert.IsTrue(modelParams.All(p => p.dtype == ScalarType.BFloat16), "the model runs in bfloat16");
        Assert.IsTrue(masters.All(p => p.dtype == ScalarType.Float32), "the optimizer holds float32 masters");
        for (var i = 0; i < masters.Count; i++)
        {
            using var rounded = masters[i].to(ScalarType.BFloat16).to(ScalarType.Float32);
            using var model = modelParams[i].to(ScalarType.Float32);
            Assert.IsTrue(rounded.allclose(model, rtol: 0, atol: 0), "after each step the model holds the masters rounded to bfloat16");
        }
        Assert.IsTrue(RunRecords.Scalars(workDir, "loss").All(double.IsFinite));
        using var checkpoint = CheckpointFile.Load(Path.Combine(workDir, "epoch_2.ckpt"));
        Assert.AreEqual(ScalarType.Float32, checkpoint.Tensors["optimizer/master/fc.weight"].dtype);
        Assert.AreEqual(ScalarType.BFloat16, checkpoint.StateDict["fc.weight"].dtype);
    }

    [TestMethod]
    public void NonFiniteScaledLoss_SkipsTheStepAndLowersTheScale()
    {
        using var runner = AmpRunner(TestEnvironment.NewTempDir("amp-scale"), ", loss_scale = { init_scale = 1e300, growth_interval = 10 }");
        runner.Train();
        var wrapper = (AmpOptimWrapper)runner.OptimWrapper!;

        // 1e300 is infinite in bfloat16: every step is skipped and the scale halves each time (8 iterations).
        Assert.AreEqual(8, wrapper.SkippedSteps);
        Assert.AreEqual(1e300 / 256, wrapper.LossScale, 1e285);
    }

    [TestMethod]
    public void UnknownDtype_IsRejected()
    {
        var error = Assert.ThrowsExactly<ArgumentException>(() => AmpOptimWrapper.ParseDtype("int8"));

        StringAssert.Contains(error.Message, "dtype must be \"bfloat16\" or \"float16\", got \"int8\".");
    }
}
