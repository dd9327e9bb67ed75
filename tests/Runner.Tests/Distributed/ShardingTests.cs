using Runner.Sdk.Data;
using Runner.Tests.Support;
using static TorchSharp.torch;

namespace Runner.Tests.Distributed;

/// <summary>The samplers split one epoch between the ranks exactly as PyTorch's DistributedSampler does.</summary>
[TestClass]
public sealed class ShardingTests
{
    private sealed class Numbers(int count) : IDataset
    {
        public long Count => count;

        public DataBatch Get(long index) => new() { [DataBatch.InputsKey] = tensor(new[] { (float)index }) };
    }

    [TestMethod]
    public void TenSamplesOnThreeRanks_ArePaddedWithTheFirstAndStrided()
    {
        // PyTorch, DistributedSampler(range(10), num_replicas=3, shuffle=False): [0, 3, 6, 9], [1, 4, 7, 0], [2, 5, 8, 1].
        var dataset = new Numbers(10);
        var shares = Enumerable.Range(0, 3).Select(r => new DefaultSampler(dataset, shuffle: false, world: new FakeWorld(r, 3))).ToList();

        CollectionAssert.AreEqual(new long[] { 0, 3, 6, 9 }, shares[0].GetIndices().ToArray());
        CollectionAssert.AreEqual(new long[] { 1, 4, 7, 0 }, shares[1].GetIndices().ToArray());
        CollectionAssert.AreEqual(new long[] { 2, 5, 8, 1 }, shares[2].GetIndices().ToArray());
        CollectionAssert.AreEqual(new long[] { 0, 1, 1 }, shares.Select(s => s.PaddedCount).ToArray(), "the padding is each rank's last index");
        CollectionAssert.AreEqual(new long[] { 4, 4, 4 }, shares.Select(s => s.Count).ToArray());
    }

    [TestMethod]
    public void WithoutRoundUp_NothingIsPaddedAndTheFirstRanksGetOneMore()
    {
        var dataset = new Numbers(10);
        var shares = Enumerable.Range(0, 3).Select(r => new DefaultSampler(dataset, shuffle: false, roundUp: false, world: new FakeWorld(r, 3))).ToList();

        CollectionAssert.AreEqual(new long[] { 4, 3, 3 }, shares.Select(s => s.Count).ToArray());
        CollectionAssert.AreEqual(new long[] { 1, 4, 7 }, shares[1].GetIndices().ToArray());
        Assert.IsTrue(shares.All(s => s.PaddedCount == 0));
    }

    [TestMethod]
    public void ShuffledShares_TogetherAreOneProcesssEpoch_AndChangeWithTheEpoch()
    {
        // Arrange: one process's order for seed 5, epoch 2.
        var dataset = new Numbers(101);
        var single = new DefaultSampler(dataset, shuffle: true, seed: 5);
        single.SetEpoch(2);
        var order = single.GetIndices();

        // Act
        var shares = Enumerable.Range(0, 4).Select(r =>
        {
            var sampler = new DefaultSampler(dataset, shuffle: true, seed: 5, world: new FakeWorld(r, 4));
            sampler.SetEpoch(2);
            return sampler.GetIndices();
        }).ToList();

        // Assert: position p of the padded order is rank p % 4's (p / 4)-th index.
        for (var p = 0; p < 104; p++) Assert.AreEqual(order[p % 101], shares[p % 4][p / 4], $"position {p}");
        var next = new DefaultSampler(dataset, shuffle: true, seed: 5, world: new FakeWorld(0, 4));
        next.SetEpoch(3);
        CollectionAssert.AreNotEqual(shares[0].ToArray(), next.GetIndices().ToArray());
    }

    [TestMethod]
    public void InfiniteSampler_SharesEachPassLikeTheDefaultSampler()
    {
        var dataset = new Numbers(9);
        var infinite = new InfiniteSampler(dataset, shuffle: true, seed: 3, world: new FakeWorld(1, 2));
        var epochs = new DefaultSampler(dataset, shuffle: true, seed: 3, world: new FakeWorld(1, 2));
        infinite.SetEpoch(4);
        epochs.SetEpoch(4);

        CollectionAssert.AreEqual(epochs.GetIndices().ToArray(), infinite.GetIndices().ToArray());
        Assert.AreEqual(5, infinite.Count);
        Assert.AreEqual(1, infinite.PaddedCount);
    }

    [TestMethod]
    public void DataLoader_CountsTheBatchesOfItsRanksShare()
    {
        var dataset = new Numbers(100);
        var loader = new DataLoader(dataset, new DefaultSampler(dataset, world: new FakeWorld(1, 3)), batchSize: 8);

        Assert.AreEqual(34, loader.Sampler.Count);
        Assert.AreEqual(5, loader.Count);
    }
}
