using Runner.Sdk.Registries;

namespace Runner.Sdk.Running;

/// <summary>The <c>randomness</c> table: applied before the model is built, so its initial weights depend only on the seed.</summary>
/// <param name="Seed">The seed of torch's global generator and of the samplers, 0 to 4294967295 (libtorch's generator
/// uses 32 bits of it, so a larger one would silently mean another); null draws one (and logs it).</param>
/// <param name="Deterministic">Ask libtorch for deterministic algorithms.</param>
/// <param name="DiffRankSeed">Seed each rank's torch generator with seed + rank (dropout and other random ops then differ per rank); the samplers keep the shared seed, so the ranks still split one order. With one process it changes nothing.</param>
[ConfigOptions]
public sealed record RandomnessSettings([System.ComponentModel.DataAnnotations.Range(0.0, 4294967295.0)] long? Seed = null, bool Deterministic = false, bool DiffRankSeed = false);
