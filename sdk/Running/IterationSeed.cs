namespace Runner.Sdk.Running;

/// <summary>
/// The seed of one training iteration's GPU random ops: a function of the run's seed and the iteration alone.
/// TorchSharp 0.107 cannot read or restore the CUDA generators' state, so instead of saving it, Runner reseeds them
/// before every training iteration; a resumed run then draws, from its first iteration on, what an uninterrupted run
/// draws there, and nothing outside training (validation's random ops) shifts training's draws.
/// </summary>
internal static class IterationSeed
{
    /// <summary>
    /// The seed of iteration <paramref name="iter"/> (0-based, over the whole run) of a run seeded with
    /// <paramref name="runSeed"/>: SplitMix64's mix of the two (well spread for neighbouring inputs), non-negative.
    /// </summary>
    public static long Of(long runSeed, int iter)
    {
        unchecked
        {
            var z = (ulong)runSeed ^ ((ulong)iter + 1) * 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return (long)((z ^ (z >> 31)) & long.MaxValue);
        }
    }
}
