using System.Globalization;

namespace Runner.Sdk.Models;

/// <summary>A training loss came out NaN or infinite: names every loss term; the loop adds where it happened.</summary>
public sealed class NonfiniteLossException : RunnerException
{
    private NonfiniteLossException(string message) : base(message) { }

    /// <summary>The error for a loss that is NaN or infinite, naming the terms that are.</summary>
    public static NonfiniteLossException For(IReadOnlyDictionary<string, double> terms) =>
        new("The loss is not finite (" + string.Join(", ", terms.Select(kv => $"{kv.Key} = {kv.Value.ToString(CultureInfo.InvariantCulture)}")) +
            "). Lower the learning rate, clip gradients (optim_wrapper.clip_grad), or skip such batches (optim_wrapper.skip_nonfinite_loss = true).");
}
