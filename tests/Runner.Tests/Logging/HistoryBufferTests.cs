using Runner.Sdk.Logging;

namespace Runner.Tests.Logging;

[TestClass]
public sealed class HistoryBufferTests
{
    [TestMethod]
    public void GrowingPastItsFirstCapacity_KeepsEveryValueInOrder()
    {
        var buffer = new HistoryBuffer(maxLength: 1000);

        for (var i = 1; i <= 300; i++) buffer.Update(i);

        Assert.AreEqual(300, buffer.Length);
        Assert.AreEqual(300.0, buffer.Current());
        Assert.AreEqual((1 + 300) / 2.0, buffer.Mean(300));
        Assert.AreEqual(1.0, buffer.Min(1000));
        Assert.AreEqual((291 + 300) / 2.0, buffer.Mean(10));
    }

    [TestMethod]
    public void AtMaxLength_TheOldestValuesGo_AndTheGlobalTotalsStay()
    {
        var buffer = new HistoryBuffer(maxLength: 100);

        for (var i = 1; i <= 250; i++) buffer.Update(i);

        Assert.AreEqual(100, buffer.Length);
        Assert.AreEqual(151.0, buffer.Min(100));
        Assert.AreEqual(250.0, buffer.Max(100));
        Assert.AreEqual(250L, buffer.GlobalCount);
        Assert.AreEqual(250.0 * 251 / 2, buffer.GlobalSum);
    }

    [TestMethod]
    public void StateDict_RoundTrips_BeforeAndAfterTheRingWraps()
    {
        foreach (var updates in new[] { 70, 130 })
        {
            var buffer = new HistoryBuffer(maxLength: 100);
            for (var i = 1; i <= updates; i++) buffer.Update(i * 0.5, count: 2);

            var restored = HistoryBuffer.FromStateDict(buffer.StateDict());
            restored.Update(1000);
            buffer.Update(1000);

            Assert.AreEqual(buffer.Length, restored.Length, $"{updates} updates");
            Assert.AreEqual(buffer.Mean(100), restored.Mean(100), $"{updates} updates");
            Assert.AreEqual(buffer.GlobalSum, restored.GlobalSum, $"{updates} updates");
        }
    }

    [TestMethod]
    public void ANewBuffer_AllocatesLittle()
    {
        // A full history is 10,000 entries (160 KB, a large object); each logged key used to allocate one.
        var before = GC.GetAllocatedBytesForCurrentThread();
        var buffer = new HistoryBuffer();
        buffer.Update(1);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.IsLessThan(4096, allocated, $"{allocated} bytes");
        Assert.AreEqual(10_000, buffer.MaxLength);
    }
}
