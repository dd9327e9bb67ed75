using System.ComponentModel.DataAnnotations;
using Runner.Sdk.Registries;

namespace Runner.Sdk.Optim;

/// <summary>
/// <c>loss_scale</c> as a table: dynamic loss scaling (PyTorch's <c>GradScaler</c> settings). The scale starts at
/// <c>init_scale</c>, is multiplied by <c>backoff_factor</c> after a step with a non-finite gradient (which is
/// skipped), and by <c>growth_factor</c> after <c>growth_interval</c> good steps in a row. Plain options.
/// </summary>
[ConfigOptions]
public sealed record DynamicLossScale(
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)] double InitScale = 65536,
    [Range(1.0, double.MaxValue, MinimumIsExclusive = true)] double GrowthFactor = 2.0,
    [Range(0.0, 1.0, MinimumIsExclusive = true, MaximumIsExclusive = true)] double BackoffFactor = 0.5,
    [Range(1, int.MaxValue)] int GrowthInterval = 2000);
