using Runner.Sdk.Configuration;
using Runner.Sdk.Running;
using Runner.Tests.Support;
using static TorchSharp.torch;

namespace Runner.Tests.Evaluation;

/// <summary>Evaluating in reduced precision restores the exact weights.</summary>
[TestClass]
public sealed class EvaluationPrecisionTests
{
    [TestMethod]
    public void TestLoopInBfloat16_EvaluatesThenRestoresTheExactWeights_ValInTrainingRefusesIt()
    {
        var cfg = ApiJob.Config(TestEnvironment.NewTempDir("bf16-test"));
        cfg.Set("model", new TinyModel(), SourceLocation.Code);
        cfg.Set("test_dataloader", ConfigLoader.Parse("batch_size = 3\ndataset = { type = \"TwelveSamples\" }"), SourceLocation.Code);
        cfg.Set("test_cfg", ConfigLoader.Parse("dtype = \"bfloat16\""), SourceLocation.Code);
        cfg.Set("test_evaluator", ConfigLoader.Parse("type = \"Accuracy\""), SourceLocation.Code);
        using var runner = TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = ApiJob.Registries(), Console = null });
        runner.Train();
        var before = runner.Model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.data<float>().ToArray());

        var metrics = runner.Test();

        Assert.IsTrue(metrics.ContainsKey("accuracy/top1"));
        foreach (var (name, tensor) in runner.Model.state_dict())
        {
            Assert.AreEqual(ScalarType.Float32, tensor.dtype);
            CollectionAssert.AreEqual(before[name], tensor.data<float>().ToArray(), $"{name} changed");
        }

        var training = ApiJob.Config(TestEnvironment.NewTempDir("bf16-val"));
        training.Set("model", new TinyModel(), SourceLocation.Code);
        training.Set("val_cfg", ConfigLoader.Parse("dtype = \"bfloat16\""), SourceLocation.Code);
        using var refusing = TrainingRunner.FromConfig(training, new RunnerOptions { Registries = ApiJob.Registries(), Console = null });
        var error = Assert.ThrowsExactly<ConfigException>(refusing.Train);
        StringAssert.Contains(error.Message, "validation inside training cannot run in reduced precision");
    }
}
