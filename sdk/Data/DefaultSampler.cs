using Runner.Sdk.Distributed;
using Runner.Sdk.Registries;
using static TorchSharp.torch;

namespace Runner.Sdk.Data;

/// <summary>
/// MMEngine's <c>DefaultSampler</c>: visits every index once per epoch; with <c>shuffle</c>, in the order of
/// <c>torch.randperm</c> drawn from a generator seeded with <c>seed + epoch</c>, so an epoch's order depends only
/// on the seed and the epoch number (the same order PyTorch draws for the same seed). With several ranks, each
/// takes its share of that one order as PyTorch's <c>DistributedSampler</c> does (see <see cref="RankShard"/>):
/// the ranks' shares together are the whole epoch, padded to a multiple of the world size with <c>round_up</c>.
/// </summary>
[Register]
internal sealed class DefaultSampler : ISampler
{
    private readonly IDataset _dataset;
    private readonly int _rank;
    private readonly int _worldSize;
    private int _epoch;

    /// <param name="dataset">The dataset to sample (given by the runner).</param>
    /// <param name="shuffle">Visit the indices in a random order.</param>
    /// <param name="seed">The shuffle seed; the runner passes <c>randomness.seed</c> (the same on every rank). Null draws one at random.</param>
    /// <param name="roundUp">Pad the order to a multiple of the world size, so every rank gets as many indices (PyTorch's
    /// default). Evaluation leaves the padding out of the metrics either way.</param>
    /// <param name="world">The run's processes (given by the runner); null for one process.</param>
    public DefaultSampler(IDataset dataset, bool shuffle = true, long? seed = null, bool roundUp = true, ICommunicator? world = null)
    {
        _dataset = dataset;
        Shuffle = shuffle;
        Seed = seed ?? Random.Shared.NextInt64(0, int.MaxValue);
        RoundUp = roundUp;
        _rank = world?.Rank ?? 0;
        _worldSize = world?.WorldSize ?? 1;
    }

    public bool Shuffle { get; }

    public long Seed { get; }

    public bool RoundUp { get; }

    public int Epoch => _epoch;

    /// <summary>This rank's number of indices per epoch.</summary>
    public long Count => RankShard.Count(_dataset.Count, _rank, _worldSize, RoundUp);

    public long PaddedCount => RankShard.Padding(_dataset.Count, _rank, _worldSize, RoundUp);

    public void SetEpoch(int epoch) => _epoch = epoch;

    public IReadOnlyList<long> GetIndices() => RankShard.Take(EpochOrder(_dataset.Count, Shuffle, Seed + _epoch), _rank, _worldSize, RoundUp);

    /// <summary>The whole epoch's order before it is shared out: 0…count-1, or a permutation drawn from <paramref name="seed"/>.</summary>
    internal static long[] EpochOrder(long count, bool shuffle, long seed)
    {
        if (!shuffle)
        {
            var ordered = new long[count];
            for (long i = 0; i < count; i++) ordered[i] = i;
            return ordered;
        }
        using var generator = new Generator((ulong)seed);
        using var permutation = randperm(count, generator: generator);
        return permutation.data<long>().ToArray();
    }
}
