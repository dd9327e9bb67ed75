using Runner.Sdk.Distributed;
using Runner.Sdk.Registries;

namespace Runner.Sdk.Data;

/// <summary>
/// MMEngine's <c>InfiniteSampler</c>, for <c>IterBasedTrainLoop</c>: the data is gone over again and again, each
/// pass in a new order. MMEngine draws one endless stream from one generator; here pass <c>p</c> is the permutation
/// seeded with <c>seed + p</c> (the loop tells the sampler the pass), so a resume jumps straight to any iteration
/// without replaying the stream. Each rank takes every world-size-th index of the pass, as <see cref="DefaultSampler"/>.
/// </summary>
[Register]
internal sealed class InfiniteSampler : ISampler
{
    private readonly IDataset _dataset;
    private readonly int _rank;
    private readonly int _worldSize;
    private int _pass;

    /// <param name="dataset">The dataset to sample (given by the runner).</param>
    /// <param name="shuffle">Visit each pass in a random order.</param>
    /// <param name="seed">The shuffle seed; the runner passes <c>randomness.seed</c>. Null draws one at random.</param>
    /// <param name="world">The run's processes (given by the runner); null for one process.</param>
    public InfiniteSampler(IDataset dataset, bool shuffle = true, long? seed = null, ICommunicator? world = null)
    {
        _dataset = dataset;
        Shuffle = shuffle;
        Seed = seed ?? Random.Shared.NextInt64(0, int.MaxValue);
        _rank = world?.Rank ?? 0;
        _worldSize = world?.WorldSize ?? 1;
    }

    public bool Shuffle { get; }

    public long Seed { get; }

    /// <summary>This rank's indices per pass (passes are padded to a multiple of the world size, so every rank gets as many).</summary>
    public long Count => RankShard.Count(_dataset.Count, _rank, _worldSize, roundUp: true);

    public long PaddedCount => RankShard.Padding(_dataset.Count, _rank, _worldSize, roundUp: true);

    /// <summary>Sets the pass over the data (the iteration-based loop calls it; an epoch-based one calls it per epoch).</summary>
    public void SetEpoch(int epoch) => _pass = epoch;

    /// <summary>The pass over the data last set.</summary>
    public int Epoch => _pass;

    public IReadOnlyList<long> GetIndices() => RankShard.Take(DefaultSampler.EpochOrder(_dataset.Count, Shuffle, Seed + _pass), _rank, _worldSize, roundUp: true);
}
