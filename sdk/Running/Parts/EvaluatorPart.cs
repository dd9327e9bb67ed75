using Runner.Sdk.Configuration;
using Runner.Sdk.Evaluation;
using Runner.Sdk.Registries;

namespace Runner.Sdk.Running;

/// <summary>
/// The <c>val_evaluator</c> / <c>test_evaluator</c> part of a config, read by one piece of code both to check it
/// (a <see cref="ComponentBuilder"/> in validation mode: everything checked, nothing built, null returned) and to
/// build it. Its forms: MMEngine's <c>{ type = "Evaluator", metrics = [...] }</c> (any evaluator type, or none),
/// one metric table, or a list of metric tables.
/// </summary>
internal static class EvaluatorPart
{
    public static Evaluator? Decode(ComponentBuilder builder, ConfigTable cfg, string key)
    {
        switch (cfg[key])
        {
            case null:
                return null;
            case Evaluator given:
                return given;
            case BaseMetric metric:
                return new Evaluator([metric]);
            // Checked before a table's type: "type" names the evaluator when the table lists metrics.
            case ConfigTable table when table.ContainsKey("metrics"):
                return builder.Build<Evaluator>(table, new Dictionary<string, object?> { ["type"] = nameof(Evaluator) });
            case ConfigTable { TypeName: not null } single:
                return builder.Build<BaseMetric>(single) is { } built ? new Evaluator([built]) : null;
            case ConfigArray list:
                var metrics = new List<BaseMetric>();
                for (var i = 0; i < list.Count; i++)
                {
                    if (list[i] is BaseMetric ready) metrics.Add(ready);
                    else if (list[i] is ConfigTable item) { if (builder.Build<BaseMetric>(item) is { } listed) metrics.Add(listed); }
                    else throw ConfigException.At(list.LocationOf(i), $"{list.Path}[{i}]", "expected a metric table.");
                }
                return builder.ValidateOnly ? null : new Evaluator(metrics);
            default:
                throw ConfigException.At(cfg.LocationOf(key), key, "expected a metric table, a list of metric tables, or { metrics = [...] }.");
        }
    }
}
