namespace Runner.Sdk.Running;

using global::Runner.Sdk.Registries;

/// <summary>The <c>randomness</c> table: applied before the model is built, so its initial weights depend only on the seed.</summary>
/// <param name="Seed">The seed of torch's global generator and of the samplers; null draws one (and logs it).</param>
/// <param name="Deterministic">Ask libtorch for deterministic algorithms.</param>
/// <param name="DiffRankSeed">Give each process its own seed (seed + rank); with one process it changes nothing.</param>
[ConfigOptions]
public sealed record RandomnessSettings(long? Seed = null, bool Deterministic = false, bool DiffRankSeed = false);
