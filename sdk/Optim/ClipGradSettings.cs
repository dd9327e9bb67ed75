namespace Runner.Sdk.Optim;

using Runner.Sdk.Configuration;
using TorchSharp.Modules;
using static TorchSharp.torch;

/// <summary>The <c>clip_grad</c> table of an optimizer wrapper: clip by total norm, or by value.</summary>
public sealed record ClipGradSettings(bool ByNorm, double MaxNorm, double NormType, double ClipValue)
{
    /// <summary>Reads a <c>clip_grad</c> table; every mistake is a <see cref="ConfigException"/> at its key.</summary>
    internal static ClipGradSettings From(ConfigTable table)
    {
        var type = table["type"] as string ?? "norm";
        var known = type == "norm" ? new[] { "type", "max_norm", "norm_type" } : ["type", "clip_value"];
        if (type is not ("norm" or "value"))
            throw ConfigException.At(table.LocationOf("type"), table.PathOf("type"), $"must be \"norm\" or \"value\", got \"{table["type"]}\".");
        if (table.Keys.FirstOrDefault(k => !known.Contains(k)) is { } unknown)
        {
            throw ConfigException.At(table.LocationOf(unknown), table.PathOf(unknown), $"clip_grad has no key '{unknown}' for type \"{type}\".",
                $"valid keys: {string.Join(", ", known)}.");
        }
        // Positive, or the clipping would reverse or zero the gradients; the norm's order may be inf (the max norm).
        double Positive(string key, bool infinityAllowed = false)
        {
            var value = table[key] switch
            {
                long l => l,
                double d => d,
                null => throw ConfigException.At(table.Location, table.Path, $"clip_grad needs '{key}'.", $"add {key} = 1.0."),
                var other => throw ConfigException.At(table.LocationOf(key), table.PathOf(key), $"expected a number, got {other}."),
            };
            if (!(value > 0) || (double.IsInfinity(value) && !infinityAllowed))
                throw ConfigException.At(table.LocationOf(key), table.PathOf(key), $"must be a positive{(infinityAllowed ? "" : ", finite")} number, got {value}.");
            return value;
        }
        return type == "norm"
            ? new ClipGradSettings(true, Positive("max_norm"), table.ContainsKey("norm_type") ? Positive("norm_type", infinityAllowed: true) : 2.0, 0)
            : new ClipGradSettings(false, 0, 0, Positive("clip_value"));
    }

    /// <summary>Clips the gradients in place; returns the total norm before clipping (by-norm only).</summary>
    public double? Apply(IEnumerable<Parameter> parameters)
    {
        var withGrad = parameters.Where(p => p.requires_grad && p.grad is not null).ToList();
        if (withGrad.Count == 0) return null;
        if (!ByNorm)
        {
            nn.utils.clip_grad_value_(withGrad, ClipValue);
            return null;
        }
        return nn.utils.clip_grad_norm_(withGrad, MaxNorm, NormType);
    }
}
