using Runner.Sdk.Configuration;
using Runner.Sdk.Data;
using Runner.Sdk.Registries;

namespace Runner.Sdk.Running;

/// <summary>
/// A <c>*_dataloader</c> part of a config (MMEngine's <c>build_dataloader</c>): the dataset, then the sampler (given
/// the dataset, the seed and the run's processes; default: the data in order), then the loader with the table's other options. One
/// piece of code checks it (a <see cref="ComponentBuilder"/> in validation mode: null returned) and builds it.
/// </summary>
internal static class DataLoaderPart
{
    /// <summary>
    /// The loader tables of <paramref name="key"/>: one, or — for val and test — several named sets (a table with
    /// no <c>dataset</c> whose every value is a loader table), first set first. Null when the key is absent.
    /// </summary>
    public static List<(string? Name, ConfigTable Table)>? Tables(ConfigTable cfg, string key)
    {
        if (cfg[key] is DataLoader || ConfigShape.Table(cfg, key) is not { } table) return null;
        var named = key != "train_dataloader" && !table.ContainsKey("dataset") && table.Count > 0 && table.All(kv => kv.Value is ConfigTable);
        return named ? table.Select(kv => ((string?)kv.Key, (ConfigTable)kv.Value!)).ToList() : [(null, table)];
    }

    public static DataLoader? Decode(ComponentBuilder builder, ConfigTable loader, long seed, Distributed.ICommunicator? world = null)
    {
        var datasetTable = ConfigShape.Table(loader, "dataset") ?? throw ConfigException.At(loader.Location, loader.Path,
            "the dataloader has no dataset table.", "add dataset = { type = \"...\" }.");
        // A dataset with a random pipeline takes the run's seed (a `seed` parameter; the table may set its own).
        var dataset = builder.Build<IDataset>(datasetTable, new Dictionary<string, object?> { ["seed"] = seed });
        var sampler = ConfigShape.Table(loader, "sampler") is { } samplerTable
            ? builder.Build<ISampler>(samplerTable, new Dictionary<string, object?> { ["dataset"] = ConfigShape.Given(builder, dataset), ["seed"] = seed, ["world"] = world })
            : dataset is null ? null : new DefaultSampler(dataset, shuffle: false, seed: seed, world: world);
        var rest = loader.Clone();
        rest.Remove("dataset");
        rest.Remove("sampler");
        return (DataLoader?)builder.BuildType(typeof(DataLoader), rest,
            new Dictionary<string, object?> { ["dataset"] = ConfigShape.Given(builder, dataset), ["sampler"] = ConfigShape.Given(builder, sampler) });
    }
}
