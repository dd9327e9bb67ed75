using Runner.Sdk.Configuration;
using Runner.Sdk.Data;
using Runner.Sdk.Evaluation;
using Runner.Sdk.Models;
using Runner.Sdk.Running;
using Runner.Tests.Support;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Runner.Tests.Running;

/// <summary>A component that fails is named, with its assembly and where the run was.</summary>
[TestClass]
public sealed class ComponentFailureTests
{
    public sealed class ThrowingModel : BaseModel
    {
        private readonly Linear fc = nn.Linear(2, 2);

        public ThrowingModel() : base(nameof(ThrowingModel)) => RegisterComponents();

        public override ModelOutput Forward(DataBatch batch, ForwardMode mode) => throw new InvalidOperationException("boom");
    }

    [TestMethod]
    public void FailingModel_IsNamedWithItsAssemblyAndWhereTheRunWas()
    {
        var cfg = ApiJob.Config(TestEnvironment.NewTempDir("throws"));
        cfg.Set("model", new ThrowingModel(), SourceLocation.Code);
        using var runner = TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = ApiJob.Registries(), Console = null });

        var error = Assert.ThrowsExactly<Runner.Sdk.ComponentException>(runner.Train);

        StringAssert.Contains(error.Message, "ThrowingModel (from Runner.Tests ");
        StringAssert.Contains(error.Message, "failed in TrainStep at epoch 0, iter 0: InvalidOperationException: boom");
    }

    public sealed class MismatchedModel : BaseModel
    {
        private readonly Linear fc = nn.Linear(2, 2);

        public MismatchedModel() : base(nameof(MismatchedModel)) => RegisterComponents();

        public override ModelOutput Forward(DataBatch batch, ForwardMode mode)
        {
            using var a = ones(2, 3);
            using var b = ones(4, 5);
            using var product = a.mm(b); // libtorch refuses: the shapes cannot be multiplied (mm, not matmul: see docs/plugins.md)
            throw new System.Diagnostics.UnreachableException($"libtorch multiplied {product.shape[0]} rows");
        }
    }

    [TestMethod]
    public void ModelThatLibTorchRefuses_IsNamed_WithLibTorchsSentence_NotItsStackOrADotnetType()
    {
        var cfg = ApiJob.Config(TestEnvironment.NewTempDir("libtorch-throws"));
        cfg.Set("model", new MismatchedModel(), SourceLocation.Code);
        using var runner = TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = ApiJob.Registries(), Console = null });

        var error = Assert.ThrowsExactly<Runner.Sdk.ComponentException>(runner.Train);

        StringAssert.Contains(error.Message, "MismatchedModel (from Runner.Tests ");
        StringAssert.Contains(error.Message, "failed in TrainStep at epoch 0, iter 0: libtorch: ");
        StringAssert.Contains(error.Message, "cannot be multiplied");
        Assert.IsFalse(error.Message.Contains("ExternalException", StringComparison.Ordinal), error.Message);
        Assert.IsFalse(error.Message.Contains("frame #", StringComparison.Ordinal) || error.Message.Contains("Exception raised from", StringComparison.Ordinal), error.Message);
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
        var cfg = ApiJob.Config(TestEnvironment.NewTempDir("metric-throws"));
        cfg.Set("model", new TinyModel(), SourceLocation.Code);
        cfg.Set("val_evaluator", new Evaluator([new Runner.Sdk.Evaluation.Metrics.Accuracy(), new FullDiskMetric()]), SourceLocation.Code);
        using var runner = TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = ApiJob.Registries(), Console = null });

        var error = Assert.ThrowsExactly<Runner.Sdk.ComponentException>(runner.Train);

        StringAssert.StartsWith(error.Message, "FullDiskMetric (from Runner.Tests ");
        StringAssert.Contains(error.Message, "failed in Evaluate at epoch 1, iter 4: IOException: No space left on device");
    }
}
