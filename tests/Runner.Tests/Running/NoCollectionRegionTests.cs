using System.Runtime;
using Runner.Sdk.Configuration;
using Runner.Sdk.Data;
using Runner.Sdk.Models;
using Runner.Tests.Support;
using TorchSharp;
using TorchSharp.Modules;

namespace Runner.Tests.Running;

/// <summary>
/// With loader workers allocating on other threads, training and validation steps run with garbage collections held
/// off, so that TorchSharp's implicitly created Scalars cannot be finalized mid-call (docs/differences.md, known issues).
/// </summary>
[TestClass]
public sealed class NoCollectionRegionTests
{
    /// <summary>TinyModel, recording the GC latency mode each forward pass runs under (training and prediction apart).</summary>
    public sealed class LatencyRecordingModel : BaseModel
    {
        private readonly Linear fc;

        public LatencyRecordingModel() : base(nameof(LatencyRecordingModel))
        {
            fc = torch.nn.Linear(2, 2);
            RegisterComponents();
        }

        public static List<GCLatencyMode> Seen { get; } = [];

        public static List<GCLatencyMode> SeenInPredict { get; } = [];

        public override ModelOutput Forward(DataBatch batch, ForwardMode mode)
        {
            (mode == ForwardMode.Loss ? Seen : SeenInPredict).Add(GCSettings.LatencyMode);
            return ClassificationOutput.From(fc.forward(batch.Inputs), batch, mode);
        }
    }

    private static List<GCLatencyMode> Train(int numWorkers)
    {
        LatencyRecordingModel.Seen.Clear();
        LatencyRecordingModel.SeenInPredict.Clear();
        var cfg = TinyJob.Config(TestEnvironment.NewTempDir("no-gc"), """
            model = { type = "LatencyRecordingModel" }
            train_cfg = { max_epochs = 2 }
            val_cfg = {}
            val_evaluator = { type = "Accuracy" }
            optim_wrapper = { optimizer = { type = "Adam", lr = 0.01 } }
            """);
        ((ConfigTable)cfg["train_dataloader"]!).Set("num_workers", (long)numWorkers, null);
        ((ConfigTable)cfg["val_dataloader"]!).Set("num_workers", (long)numWorkers, null);
        using var runner = TinyJob.Build(cfg, TinyJob.Registries(typeof(LatencyRecordingModel)));
        runner.Train();
        return [.. LatencyRecordingModel.Seen];
    }

    [TestMethod]
    public void WithLoaderWorkers_StepsRunWithCollectionsHeldOff_AndTheRegionEndsAfterEach()
    {
        var seen = Train(numWorkers: 1);

        Assert.HasCount(8, seen);
        Assert.IsTrue(seen.All(mode => mode == GCLatencyMode.NoGCRegion), string.Join(", ", seen));
        Assert.HasCount(8, LatencyRecordingModel.SeenInPredict, "two validations of 4 batches");
        Assert.IsTrue(LatencyRecordingModel.SeenInPredict.All(mode => mode == GCLatencyMode.NoGCRegion));
        Assert.AreNotEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode, "no region is left open after training");
    }

    [TestMethod]
    public void WithoutLoaderWorkers_StepsRunAsUsual()
    {
        var seen = Train(numWorkers: 0);

        Assert.HasCount(8, seen);
        Assert.IsFalse(seen.Concat(LatencyRecordingModel.SeenInPredict).Contains(GCLatencyMode.NoGCRegion));
    }
}
