using Runner.Sdk.Registries;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Runner.Sdk.Optim;

/// <summary>
/// The <c>clip_grad</c> table of an optimizer wrapper: clip by total norm (<c>type = "norm"</c>, the default:
/// <c>max_norm</c>, <c>norm_type</c>) or by value (<c>type = "value"</c>: <c>clip_value</c>). Plain options: checked
/// with the rest of the config, before any work.
/// </summary>
[ConfigOptions]
public sealed record ClipGradSettings
{
    /// <param name="type">"norm" or "value".</param>
    /// <param name="maxNorm">The largest total norm (type "norm"): positive and finite.</param>
    /// <param name="normType">The norm's order (type "norm"): positive; inf for the largest absolute value.</param>
    /// <param name="clipValue">The largest absolute gradient (type "value"): positive and finite.</param>
    public ClipGradSettings(string type = "norm", double? maxNorm = null, double? normType = null, double? clipValue = null)
    {
        // Positive, or the clipping would reverse or zero the gradients.
        static double Positive(double? value, string name, string key, bool infinityAllowed = false) =>
            value is not { } v ? throw new ArgumentException($"clip_grad needs {key} for this type.", name)
            : v > 0 && (infinityAllowed || !double.IsInfinity(v)) ? v
            : throw new ArgumentException($"must be a positive{(infinityAllowed ? "" : ", finite")} number, got {v}.", name);
        switch (type)
        {
            case "norm":
                if (clipValue is not null) throw new ArgumentException("clip_value is for type = \"value\"; clipping by norm takes max_norm and norm_type.", nameof(clipValue));
                ByNorm = true;
                MaxNorm = Positive(maxNorm, nameof(maxNorm), "max_norm");
                NormType = normType is null ? 2.0 : Positive(normType, nameof(normType), "norm_type", infinityAllowed: true);
                break;
            case "value":
                if (maxNorm is not null || normType is not null)
                    throw new ArgumentException("max_norm and norm_type are for type = \"norm\"; clipping by value takes clip_value.", maxNorm is not null ? nameof(maxNorm) : nameof(normType));
                ClipValue = Positive(clipValue, nameof(clipValue), "clip_value");
                break;
            default:
                throw new ArgumentException($"must be \"norm\" or \"value\", got \"{type}\".", nameof(type));
        }
    }

    /// <summary>Whether gradients are clipped by their total norm (<c>type = "norm"</c>) rather than by value.</summary>
    public bool ByNorm { get; }

    /// <summary>The largest total norm allowed (by norm).</summary>
    public double MaxNorm { get; }

    /// <summary>The norm's order (2 by default; <c>inf</c> for the largest element).</summary>
    public double NormType { get; }

    /// <summary>The largest absolute gradient element allowed (by value).</summary>
    public double ClipValue { get; }

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
