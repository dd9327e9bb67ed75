namespace Runner.Sdk.Data;

/// <summary>
/// One rank's share of an epoch's order, exactly as PyTorch's <c>DistributedSampler</c> cuts it: with
/// <c>round_up</c>, the order is padded with its own first indices to a multiple of the world size, so that every
/// rank gets as many; rank <c>r</c> then takes every world-size-th index from position <c>r</c>. Without
/// <c>round_up</c>, nothing is padded and the first ranks may get one index more.
/// </summary>
internal static class RankShard
{
    /// <summary>How many indices rank <paramref name="rank"/> gets of <paramref name="total"/>.</summary>
    public static long Count(long total, int rank, int worldSize, bool roundUp) =>
        roundUp ? (total + worldSize - 1) / worldSize : Math.Max(0, (total - rank + worldSize - 1) / worldSize);

    /// <summary>How many of them repeat an index another rank already has (at the end of the rank's share).</summary>
    public static long Padding(long total, int rank, int worldSize, bool roundUp) =>
        roundUp ? Count(total, rank, worldSize, roundUp) - Count(total, rank, worldSize, roundUp: false) : 0;

    /// <summary>Rank <paramref name="rank"/>'s indices of <paramref name="order"/>.</summary>
    public static long[] Take(IReadOnlyList<long> order, int rank, int worldSize, bool roundUp)
    {
        if (worldSize == 1) return order as long[] ?? [.. order];
        var total = order.Count;
        var share = new long[Count(total, rank, worldSize, roundUp)];
        for (long i = 0; i < share.Length; i++)
        {
            var position = rank + i * worldSize;
            share[i] = order[(int)(position % total)]; // past the end: the padding, the order's first indices again
        }
        return share;
    }
}
