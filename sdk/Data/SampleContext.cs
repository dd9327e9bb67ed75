namespace Runner.Sdk.Data;

/// <summary>
/// What a pipeline step knows about the sample it transforms besides its tensors: which sample it is, in which epoch,
/// facts that are not tensors (<c>img_path</c>, <c>ori_shape</c>…), and a random source of its own. The random source
/// is seeded from the run's seed, the epoch and the sample's index alone, so a repeated or resumed run, on any number
/// of loader threads, draws the same augmentations; and the run's torch generator is left untouched.
/// </summary>
public sealed class SampleContext
{
    /// <summary>The context of sample <paramref name="index"/> in <paramref name="epoch"/> of a run seeded with <paramref name="seed"/>.</summary>
    public SampleContext(long index, int epoch, long seed, IDictionary<string, object>? info = null)
    {
        Index = index;
        Epoch = epoch;
        Info = info ?? new Dictionary<string, object>(StringComparer.Ordinal);
        Random = new Random(MixedSeed(seed, epoch, index));
    }

    /// <summary>The sample's index in its dataset.</summary>
    public long Index { get; }

    /// <summary>The epoch (pass over the data) the sample is drawn for.</summary>
    public int Epoch { get; }

    /// <summary>Facts about the sample that are not tensors, by MMEngine's names (<c>img_path</c>, <c>ori_shape</c>, <c>img_shape</c>…).</summary>
    public IDictionary<string, object> Info { get; }

    /// <summary>This sample's random source (the same numbers for the same seed, epoch and index).</summary>
    /// <example><code>if (context.Random.NextDouble() &lt; Prob) image = image.flip(1);</code></example>
    public Random Random { get; }

    /// <summary>One 32-bit seed from the three numbers (SplitMix64 steps, so neighbouring indices give unrelated streams).</summary>
    private static int MixedSeed(long seed, int epoch, long index)
    {
        var x = (ulong)seed;
        x = Mix(x ^ (ulong)epoch);
        x = Mix(x ^ (ulong)index);
        return (int)(x ^ (x >> 32)) & int.MaxValue;
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}
