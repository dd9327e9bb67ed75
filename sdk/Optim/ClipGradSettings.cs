namespace Runner.Sdk.Optim;

using Runner.Sdk.Configuration;
using TorchSharp.Modules;
using static TorchSharp.torch;

/// <summary>The <c>clip_grad</c> table of an optimizer wrapper: clip by total norm, or by value.</summary>
public sealed record ClipGradSettings(bool ByNorm, double MaxNorm, double NormType, double ClipValue)
{
    internal static ClipGradSettings From(ConfigTable table)
    {
        var type = table["type"] as string ?? "norm";
        var known = type == "norm" ? new[] { "type", "max_norm", "norm_type" } : ["type", "clip_value"];
        var unknown = table.Keys.FirstOrDefault(k => !known.Contains(k));
        if (type is not ("norm" or "value"))
            throw new ArgumentException($"clip_grad.type must be \"norm\" or \"value\", got \"{type}\".");
        if (unknown is not null)
            throw new ArgumentException($"clip_grad has no key '{unknown}' for type \"{type}\" (valid keys: {string.Join(", ", known)}).");
        double Number(string key) => table[key] switch
        {
            long l => l,
            double d => d,
            null => throw new ArgumentException($"clip_grad needs '{key}'."),
            var other => throw new ArgumentException($"clip_grad.{key} must be a number, got {other}."),
        };
        return type == "norm"
            ? new ClipGradSettings(true, Number("max_norm"), table.ContainsKey("norm_type") ? Number("norm_type") : 2.0, 0)
            : new ClipGradSettings(false, 0, 0, Number("clip_value"));
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
