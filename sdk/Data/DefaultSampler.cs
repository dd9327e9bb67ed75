namespace Runner.Sdk.Data;

using Runner.Sdk.Registries;
using static TorchSharp.torch;

/// <summary>
/// MMEngine's <c>DefaultSampler</c>: visits every index once per epoch; with <c>shuffle</c>, in the order of
/// <c>torch.randperm</c> drawn from a generator seeded with <c>seed + epoch</c>, so an epoch's order depends only
/// on the seed and the epoch number (the same order PyTorch draws for the same seed).
/// </summary>
[Register]
public sealed class DefaultSampler : ISampler
{
    private readonly IDataset _dataset;
    private int _epoch;

    /// <param name="dataset">The dataset to sample (given by the runner).</param>
    /// <param name="shuffle">Visit the indices in a random order.</param>
    /// <param name="seed">The shuffle seed; the runner passes <c>randomness.seed</c>. Null draws one at random.</param>
    /// <param name="roundUp">Kept for MMEngine compatibility: pads to a multiple of the world size (1 here, so no padding).</param>
    public DefaultSampler(IDataset dataset, bool shuffle = true, long? seed = null, bool roundUp = true)
    {
        _dataset = dataset;
        Shuffle = shuffle;
        Seed = seed ?? Random.Shared.NextInt64(0, int.MaxValue);
        RoundUp = roundUp;
    }

    public bool Shuffle { get; }

    public long Seed { get; }

    public bool RoundUp { get; }

    public int Epoch => _epoch;

    public long Count => _dataset.Count;

    public void SetEpoch(int epoch) => _epoch = epoch;

    public IReadOnlyList<long> GetIndices()
    {
        var count = _dataset.Count;
        if (!Shuffle)
        {
            var ordered = new long[count];
            for (long i = 0; i < count; i++) ordered[i] = i;
            return ordered;
        }
        using var generator = new Generator((ulong)(Seed + _epoch));
        using var permutation = randperm(count, generator: generator);
        return permutation.data<long>().ToArray();
    }
}
