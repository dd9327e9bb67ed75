using Runner.Sdk.Storage;
using Runner.Sdk;
using Runner.Sdk.Checkpoints;
using Runner.Tests.Support;

namespace Runner.Tests.Storage;

[TestClass]
public sealed class FileSyncQueueTests
{
    [TestMethod]
    public void QueuedWork_RunsInOrder_OffTheCallingThread_AndWaitForAllWaitsForIt()
    {
        var queue = new FileSyncQueue();
        var order = new List<int>();
        var threads = new List<int>();
        using var gate = new ManualResetEventSlim();

        queue.Then(() => { gate.Wait(); order.Add(1); threads.Add(Environment.CurrentManagedThreadId); });
        queue.Then(() => order.Add(2));
        Assert.IsTrue(queue.Pending);
        gate.Set();
        queue.WaitForAll();

        CollectionAssert.AreEqual(new[] { 1, 2 }, order);
        Assert.AreNotEqual(Environment.CurrentManagedThreadId, threads[0]);
        Assert.IsFalse(queue.Pending);
    }

    [TestMethod]
    public void AFailure_SkipsWhatWasQueuedAfterIt_AndIsReportedOnce()
    {
        var queue = new FileSyncQueue();
        var ran = false;

        queue.Then(() => throw new IOException("disk full"));
        var first = Assert.ThrowsExactly<RunnerException>(queue.WaitForAll);
        queue.Then(() => ran = true);
        queue.WaitForAll();

        StringAssert.Contains(first.Message, "disk full");
        Assert.IsTrue(ran, "the queue runs again once the failure was reported");
    }

    [TestMethod]
    public void AFailure_StopsLaterWork_AndTheNextCallThrowsIt()
    {
        var queue = new FileSyncQueue();
        var pointerWritten = false;
        using var gate = new ManualResetEventSlim();

        queue.Then(() => { gate.Wait(); throw CheckpointException.WriteFailed("epoch_2.ckpt", new IOException("EIO")); });
        queue.Then(() => pointerWritten = true);
        gate.Set();
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (queue.Pending && DateTime.UtcNow < deadline) Thread.Sleep(1);
        Assert.IsFalse(queue.Pending, "the queue did not finish its work within a minute");
        var error = Assert.ThrowsExactly<CheckpointException>(() => queue.Then(() => { }));

        StringAssert.Contains(error.Message, "epoch_2.ckpt");
        Assert.IsFalse(pointerWritten, "what waits for a failed flush must not run");
    }

    [TestMethod]
    public void SaveWithSyncLater_IsCompleteUnderItsName_BeforeTheFlush()
    {
        var dir = TestEnvironment.NewTempDir("sync");
        var path = Path.Combine(dir, "epoch_1.ckpt");
        var queue = new FileSyncQueue();
        using var gate = new ManualResetEventSlim();
        queue.Then(gate.Wait); // holds the queue, so the flush cannot have happened yet

        using (var checkpoint = new Checkpoint())
        {
            checkpoint.Meta["epoch"] = 1L;
            checkpoint.StateDict["w"] = TorchSharp.torch.arange(4, dtype: TorchSharp.torch.ScalarType.Float32);
            CheckpointFile.Save(checkpoint, path, queue);
        }

        Assert.IsTrue(queue.Pending);
        using (var loaded = CheckpointFile.Load(path))
            CollectionAssert.AreEqual(new[] { 0f, 1, 2, 3 }, loaded.StateDict["w"].data<float>().ToArray());
        CollectionAssert.AreEqual(new[] { "epoch_1.ckpt" }, Directory.GetFiles(dir).Select(Path.GetFileName).ToArray());
        gate.Set();
        queue.WaitForAll();
    }
}
