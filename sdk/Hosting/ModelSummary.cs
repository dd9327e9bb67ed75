using Runner.Sdk.Configuration;
using Runner.Sdk.Data;
using Runner.Sdk.Models;
using Runner.Sdk.Native;
using Runner.Sdk.Registries;
using Runner.Sdk.Running;
using TorchSharp;

namespace Runner.Sdk.Hosting;

/// <summary>
/// <c>runner-host summary</c>: the model a config describes, measured (<see cref="ModelComplexity"/>) on one sample of
/// the config's data, or on zeros of a shape the user gives. Builds the model and a dataset only: no work dir, no log.
/// </summary>
public static class ModelSummary
{
    /// <summary>Measures the config's model.</summary>
    /// <param name="cfg">The resolved config.</param>
    /// <param name="registries">The registries its plugins filled.</param>
    /// <param name="inputShape">The shape of one input without the batch dimension (<c>[3, 224, 224]</c>), or null for one sample of the config's data.</param>
    /// <param name="input">What the model was measured on, for the report.</param>
    /// <returns>The model's complexity.</returns>
    /// <exception cref="RunnerException">The config has no model, or no data to take a sample from and no shape was given.</exception>
    public static ModelComplexity Measure(ConfigTable cfg, RegistryRoot registries, IReadOnlyList<long>? inputShape, out string input)
    {
        LibTorchLoader.EnsureDefault();
        var scope = cfg["default_scope"] as string ?? RegistryRoot.RootScope;
        var builder = new ComponentBuilder(registries, scope);
        if ((cfg["randomness"] as ConfigTable)?["seed"] is long seed) torch.manual_seed(seed);
        using var model = ModelPart.Decode(builder, cfg) ?? throw ConfigException.At(cfg.Location, "model", "the config has no model to summarise.");
        using var batch = inputShape is null ? OneSample(cfg, builder) : new DataBatch { [DataBatch.InputsKey] = torch.zeros([1, .. inputShape]) };
        input = "[" + string.Join(", ", batch.Inputs.shape.Skip(1)) + "]" + (inputShape is null ? " (one sample of the config's data)" : "");
        return ModelComplexity.Measure(model, batch);
    }

    /// <summary>The first sample of the first dataloader the config has (train, val, test).</summary>
    private static DataBatch OneSample(ConfigTable cfg, ComponentBuilder builder)
    {
        foreach (var key in (string[])["train_dataloader", "val_dataloader", "test_dataloader"])
        {
            if (cfg[key] is not ConfigTable table) continue;
            DataLoader? loader;
            try
            {
                loader = DataLoaderPart.Decode(builder, table, seed: 0);
            }
            catch (Exception e) when (e is RunnerException or IOException)
            {
                throw new RunnerException($"{key} could not be read to measure the model on a sample of it ({e.Message}); give the input's shape instead: --input-shape 3,224,224.", e);
            }
            if (loader is null) continue;
            using var first = loader.FirstOrDefault() ?? throw new RunnerException($"{key} yields no batch; give the input's shape instead: --input-shape 3,224,224.");
            return first.Select((_, tensor) => tensor.shape.Length > 0 ? tensor[..1].clone() : tensor.clone());
        }
        throw new RunnerException("the config has no dataloader to take a sample from: give the input's shape with --input-shape (e.g. 3,224,224).");
    }
}
