using Runner.Sdk.Configuration;
using Runner.Sdk.Models;
using Runner.Sdk.Registries;

namespace Runner.Sdk.Running;

/// <summary>
/// The <c>model</c> part: a model table (required), with the top-level <c>data_preprocessor</c> merged into it when
/// it has none of its own (MMEngine's rule; a top-level one beside the model's own is still checked, and unused).
/// </summary>
internal static class ModelPart
{
    public static BaseModel? Decode(ComponentBuilder builder, ConfigTable cfg)
    {
        if (cfg["model"] is BaseModel given) return given;
        var model = ConfigShape.Table(cfg, "model") ?? throw ConfigException.At(cfg.Location, "model", "the config has no model.",
            "add a [model] table with type = \"...\".");
        var preprocessor = cfg["data_preprocessor"];
        if (preprocessor is not (null or ConfigTable or BaseDataPreprocessor))
            throw ConfigException.At(cfg.LocationOf("data_preprocessor"), "data_preprocessor", "expected a data preprocessor table.");
        if (preprocessor is not null && !model.ContainsKey("data_preprocessor"))
        {
            model = model.Clone();
            model.Set("data_preprocessor", preprocessor, cfg.LocationOf("data_preprocessor"));
        }
        else if (builder.ValidateOnly && preprocessor is ConfigTable unused)
        {
            builder.Build<BaseDataPreprocessor>(unused);
        }
        return builder.Build<BaseModel>(model);
    }
}
