namespace Runner.Tests.Data;

using Runner.Sdk.Data;
using static TorchSharp.torch;

[TestClass]
public sealed class DataLoaderTests
{
    private sealed class RangeDataset(int count) : IDataset
    {
        public long Count => count;

        public DataBatch Get(long index) => new() { [DataBatch.InputsKey] = tensor(new[] { (float)index }) };
    }

    private static List<float> Collect(DataLoader loader) =>
        loader.SelectMany(batch => { using (batch) return batch.Inputs.data<float>().ToArray(); }).ToList();

    [TestMethod]
    public void Workers_GiveTheSameBatchesInTheSameOrder()
    {
        var dataset = new RangeDataset(103);
        var sampler = new DefaultSampler(dataset, shuffle: true, seed: 7);

        var sequential = Collect(new DataLoader(dataset, sampler, batchSize: 10));
        var threaded = Collect(new DataLoader(dataset, sampler, batchSize: 10, numWorkers: 3));

        Assert.HasCount(103, sequential);
        CollectionAssert.AreEqual(sequential, threaded);
    }

    [TestMethod]
    public void DefaultSampler_SameSeedAndEpoch_SameOrder_OtherEpoch_OtherOrder()
    {
        var dataset = new RangeDataset(50);
        var a = new DefaultSampler(dataset, seed: 3);
        var b = new DefaultSampler(dataset, seed: 3);

        var first = a.GetIndices();
        b.SetEpoch(0);
        var same = b.GetIndices();
        b.SetEpoch(1);
        var other = b.GetIndices();

        CollectionAssert.AreEqual(first.ToList(), same.ToList());
        CollectionAssert.AreNotEqual(first.ToList(), other.ToList());
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 50).Select(i => (long)i).ToList(), other.ToList());
    }

    [TestMethod]
    public void Count_AndDropLast()
    {
        var dataset = new RangeDataset(10);
        var sampler = new DefaultSampler(dataset, shuffle: false);

        Assert.AreEqual(4, new DataLoader(dataset, sampler, batchSize: 3).Count);
        Assert.AreEqual(3, new DataLoader(dataset, sampler, batchSize: 3, dropLast: true).Count);
        Assert.HasCount(9, Collect(new DataLoader(dataset, sampler, batchSize: 3, dropLast: true)));
    }
}
