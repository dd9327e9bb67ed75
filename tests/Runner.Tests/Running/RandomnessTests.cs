using Runner.Sdk.Configuration;
using Runner.Sdk.Registries;
using Runner.Sdk.Running;
using Runner.Tests.Support;

namespace Runner.Tests.Running;

/// <summary>randomness: the same seed gives the same run; deterministic switches libtorch.</summary>
[TestClass]
public sealed class RandomnessTests
{
    [TestMethod]
    public void SameSeed_GivesIdenticalRuns()
    {
        double[] Run()
        {
            var cfg = ApiJob.Config(TestEnvironment.NewTempDir("seed"));
            cfg.Set("model", ConfigLoader.Parse("type = \"TinyModelForSeed\""), SourceLocation.Code);
            var registries = ApiJob.Registries();
            registries.Register(typeof(TinyModel), new RegisterAttribute("TinyModelForSeed"), "tests", "tests");
            using var runner = TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = registries, Console = null });
            runner.Train();
            return runner.Model.parameters().SelectMany(p => p.data<float>().ToArray()).Select(v => (double)v).ToArray();
        }

        CollectionAssert.AreEqual(Run(), Run());
    }

    [TestMethod]
    public void Deterministic_SwitchesLibtorchToDeterministicAlgorithms()
    {
        var cfg = ApiJob.Config(TestEnvironment.NewTempDir("deterministic"));
        cfg.Set("model", new TinyModel(), SourceLocation.Code);
        cfg.Set("randomness", ConfigLoader.Parse("seed = 1\ndeterministic = true"), SourceLocation.Code);

        bool on;
        using (TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = ApiJob.Registries(), Console = null }))
            on = Runner.Sdk.Native.LibTorchContext.DeterministicAlgorithms;
        cfg.Set("randomness", ConfigLoader.Parse("seed = 1"), SourceLocation.Code);
        using (TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = ApiJob.Registries(), Console = null })) { }

        Assert.IsTrue(on);
        Assert.IsFalse(Runner.Sdk.Native.LibTorchContext.DeterministicAlgorithms);
    }
}
