using Runner.Sdk.Configuration;
using Runner.Sdk.Registries;
using Runner.Sdk.Running.Loops;

namespace Runner.Sdk.Running;

/// <summary>
/// The <c>train_cfg</c> part: a loop <c>type</c>, or <c>by_epoch</c> (default true) choosing
/// <see cref="EpochBasedTrainLoop"/> or <see cref="IterBasedTrainLoop"/>, with the table's other options. The
/// builder supplies the runner and the train dataloader (or, checking, stands in for them).
/// </summary>
internal static class TrainLoopPart
{
    /// <summary>
    /// Whether the config's train loop counts iterations: <c>train_cfg.by_epoch = false</c>, or
    /// <c>type = "IterBasedTrainLoop"</c>.
    /// </summary>
    public static bool CountsIterations(ConfigTable cfg) => cfg["train_cfg"] is ConfigTable train
        && (train["by_epoch"] is false || train.TypeName is { } type && type.Split('.')[^1] == nameof(IterBasedTrainLoop));

    /// <summary>
    /// With an iteration-based train loop, a table that leaves <c>by_epoch</c> unset (the log processor, the
    /// checkpoint hook) counts iterations too; MMEngine makes the user set each one.
    /// </summary>
    public static ConfigTable WithIterDefault(ConfigTable cfg, ConfigTable table)
    {
        if (!CountsIterations(cfg) || table.ContainsKey("by_epoch")) return table;
        var copy = table.Clone();
        copy.Set("by_epoch", false, SourceLocation.Code);
        return copy;
    }

    public static BaseTrainLoop? Decode(ComponentBuilder builder, ConfigTable trainCfg)
    {
        if (trainCfg.TypeName is not null && trainCfg.ContainsKey("by_epoch"))
            throw ConfigException.At(trainCfg.LocationOf("by_epoch"), "train_cfg", "give either type or by_epoch, not both.");
        if (trainCfg.TypeName is not null) return builder.Build<BaseTrainLoop>(trainCfg);
        ConfigShape.Expect<bool>(trainCfg, "by_epoch");
        var table = trainCfg.Clone();
        var byEpoch = table["by_epoch"] is not false;
        table.Remove("by_epoch");
        return (BaseTrainLoop?)builder.BuildType(byEpoch ? typeof(EpochBasedTrainLoop) : typeof(IterBasedTrainLoop), table);
    }
}
