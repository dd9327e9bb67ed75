using Runner.Sdk.Configuration;

namespace Runner.Sdk.Optim;

/// <summary>
/// The <c>paramwise_cfg</c> table (MMEngine's): multipliers of the base learning rate and weight decay per kind of
/// parameter. With it, every parameter gets its own parameter group.
/// </summary>
/// <param name="BiasLrMult">Learning-rate multiplier of biases (not of norm layers).</param>
/// <param name="BiasDecayMult">Weight-decay multiplier of biases.</param>
/// <param name="NormDecayMult">Weight-decay multiplier of norm layers' weights and biases (BatchNorm, InstanceNorm, GroupNorm, LayerNorm).</param>
/// <param name="DwconvDecayMult">Weight-decay multiplier of depthwise convolutions (groups = in_channels).</param>
/// <param name="FlatDecayMult">Weight-decay multiplier of the remaining one-dimensional parameters.</param>
/// <param name="CustomKeys">Per-name settings, <c>{ "backbone" = { lr_mult = 0.1, decay_mult = 1.0 } }</c>: the longest key contained in a parameter's full name wins, and the rules above are skipped for it.</param>
/// <param name="BypassDuplicate">Skip parameters shared between modules after their first occurrence.</param>
internal sealed record ParamwiseSettings(double? BiasLrMult = null, double? BiasDecayMult = null, double? NormDecayMult = null,
    double? DwconvDecayMult = null, double? FlatDecayMult = null, Dictionary<string, ConfigTable>? CustomKeys = null, bool BypassDuplicate = false);
