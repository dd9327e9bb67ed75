using Runner.Sdk.Configuration;
using Runner.Sdk.Data;
using Runner.Sdk.Models;
using Runner.Sdk.Registries;
using Runner.Sdk.Running;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Runner.Tests.Support;

/// <summary>
/// The shared fixture of the runner tests (MMEngine's RunnerTestCase): 12 samples in batches of 3 (4 iterations per
/// epoch), a tiny linear model, registered in a registry of their own under the scope "tests".
/// </summary>
public static class TinyJob
{
    /// <summary>A registry with the fixture's dataset and model, plus <paramref name="extra"/> types.</summary>
    public static RegistryRoot Registries(params Type[] extra)
    {
        var registries = new RegistryRoot();
        foreach (var type in new[] { typeof(TwelveSamples), typeof(TinyModel) }.Concat(extra))
            registries.Register(type, new RegisterAttribute(), "tests", "tests");
        return registries;
    }

    /// <summary>A training job on the fixture; <paramref name="body"/> adds top-level keys and tables.</summary>
    public static ConfigTable Config(string workDir, string body, bool withVal = true) => ConfigLoader.Parse($$"""
        default_scope = "tests"
        work_dir = "{{workDir}}"
        {{body}}

        [train_dataloader]
        batch_size = 3
        dataset = { type = "TwelveSamples" }
        sampler = { type = "DefaultSampler", shuffle = true }
        {{(withVal ? "\n[val_dataloader]\nbatch_size = 3\ndataset = { type = \"TwelveSamples\" }" : "")}}
        """, "tiny.toml");

    public static TrainingRunner Build(ConfigTable cfg, RegistryRoot? registries = null) =>
        TrainingRunner.FromConfig(cfg, new RunnerOptions { Registries = registries ?? Registries(), Console = null });
}

/// <summary>MMEngine's test fixture: 12 samples, so batch 3 gives 4 iterations per epoch.</summary>
public sealed class TwelveSamples() : Runner.Sdk.Data.TensorDataset(new Dictionary<string, Tensor>
{
    [DataBatch.InputsKey] = arange(24, dtype: ScalarType.Float32).reshape(12, 2) / 24,
    [DataBatch.LabelsKey] = tensor(new long[] { 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1 }),
});

/// <summary>MMEngine's toy model: one linear layer from 2 inputs to 2 classes.</summary>
public sealed class TinyModel : BaseModel
{
    private readonly Linear fc;

    public TinyModel() : base("TinyModel")
    {
        fc = nn.Linear(2, 2);
        RegisterComponents();
    }

    public override ModelOutput Forward(DataBatch batch, ForwardMode mode) => ClassificationOutput.From(fc.forward(batch.Inputs), batch, mode);
}
