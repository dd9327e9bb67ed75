using Runner.Sdk.Data;
using static TorchSharp.torch;

namespace Runner.Tests.Data;

[TestClass]
public sealed class DataLoaderTests
{
    private sealed class RangeDataset(int count) : IDataset
    {
        public long Count => count;

        public DataBatch Get(long index) => new() { [DataBatch.InputsKey] = tensor(new[] { (float)index }) };
    }

    /// <summary>Records the epoch each batch was asked for, and draws one number per sample from its pipeline's random source.</summary>
    private sealed class EpochRecordingDataset(int count) : IDataset
    {
        private readonly SamplePipeline _pipeline = new([new DrawOne()], seed: 5);

        public List<int> Epochs { get; } = [];

        public long Count => count;

        public DataBatch Get(long index) => throw new InvalidOperationException("the loader asks for batches with their epoch");

        public DataBatch GetItems(IReadOnlyList<long> indices, int epoch)
        {
            lock (Epochs) Epochs.Add(epoch);
            return DataBatch.Stack(indices.Select(i => _pipeline.Apply(new DataBatch(), i, epoch)).ToList());
        }

        private sealed class DrawOne : ITransform
        {
            public DataBatch Transform(DataBatch sample) => throw new InvalidOperationException();

            public DataBatch Transform(DataBatch sample, SampleContext context)
            {
                sample[DataBatch.InputsKey] = tensor(new[] { (float)context.Random.NextDouble() });
                return sample;
            }
        }
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(2)]
    public void Loader_HandsTheSamplersEpochToTheDataset_AndSamplesDrawPerEpoch(int workers)
    {
        var dataset = new EpochRecordingDataset(8);
        var sampler = new DefaultSampler(dataset, shuffle: false, seed: 1);
        var loader = new DataLoader(dataset, sampler, batchSize: 4, numWorkers: workers);
        float[] Draws() => loader.SelectMany(batch => { using (batch) return batch.Inputs.data<float>().ToArray(); }).ToArray();

        sampler.SetEpoch(3);
        var third = Draws();
        var thirdAgain = Draws();
        sampler.SetEpoch(4);
        var fourth = Draws();

        CollectionAssert.AreEqual(new[] { 3, 3, 3, 3, 4, 4 }, dataset.Epochs);
        CollectionAssert.AreEqual(third, thirdAgain, "the same epoch draws the same");
        CollectionAssert.AreNotEqual(third, fourth, "another epoch draws anew");
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
