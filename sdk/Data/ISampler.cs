using Runner.Sdk.Registries;

namespace Runner.Sdk.Data;

/// <summary>Chooses the order in which a dataset's indices are visited in one epoch (on this rank).</summary>
[ComponentKind("data sampler", 3)]
public interface ISampler
{
    /// <summary>The number of indices one epoch yields on this rank.</summary>
    long Count { get; }

    /// <summary>
    /// How many of the last indices of <see cref="GetIndices"/> only pad this rank's share to the others' length
    /// (they repeat indices another rank has): evaluation leaves them out of the metrics. 0 by default.
    /// </summary>
    long PaddedCount => 0;

    /// <summary>The indices of the current epoch.</summary>
    IReadOnlyList<long> GetIndices();

    /// <summary>Sets the epoch, which seeds the shuffle (called by <c>DistSamplerSeedHook</c> before each train epoch).</summary>
    void SetEpoch(int epoch);

    /// <summary>The epoch last set (0 by default): the dataloader hands it to the dataset, whose pipeline draws each
    /// epoch's augmentations from it.</summary>
    int Epoch => 0;
}
