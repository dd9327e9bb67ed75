namespace Runner.Sdk.Data;

/// <summary>Chooses the order in which a dataset's indices are visited in one epoch.</summary>
public interface ISampler
{
    /// <summary>The number of indices one epoch yields.</summary>
    long Count { get; }

    /// <summary>The indices of the current epoch.</summary>
    IReadOnlyList<long> GetIndices();

    /// <summary>Sets the epoch, which seeds the shuffle (called by <c>DistSamplerSeedHook</c> before each train epoch).</summary>
    void SetEpoch(int epoch);
}
