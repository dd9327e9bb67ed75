namespace Runner.Sdk.Storage;

/// <summary>
/// Makes written files durable off the training thread: flushes each file and its folder entry to disk on a
/// background thread, in the order they were queued, then runs what must wait for that (pointing
/// <c>last_checkpoint</c> at the new checkpoint, deleting older ones). A flush can take milliseconds on a local disk
/// and far longer on a network file system; training goes on meanwhile.
/// A failure stops the queue (what was queued after it does not run) and is thrown by the next call on the training
/// thread, naming the file.
/// </summary>
internal sealed class FileSyncQueue
{
    private readonly Lock _gate = new();
    private Task _tail = Task.CompletedTask;
    private Exception? _failure;

    /// <summary>Queues flushing <paramref name="path"/> (already renamed into place) and its folder to disk.</summary>
    public void Sync(string path) => Then(() => FlushToDisk(path));

    /// <summary>Queues <paramref name="action"/>, to run once everything queued before it is done.</summary>
    /// <exception cref="FileWriteException">An earlier queued flush or action failed.</exception>
    public void Then(Action action)
    {
        ThrowIfFailed();
        lock (_gate)
            _tail = _tail.ContinueWith(_ => Run(action), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    /// <summary>Whether queued work is still running.</summary>
    public bool Pending
    {
        get
        {
            lock (_gate) return !_tail.IsCompleted;
        }
    }

    /// <summary>Blocks until everything queued is done.</summary>
    /// <exception cref="FileWriteException">A queued flush or action failed (reported once).</exception>
    public void WaitForAll()
    {
        Task tail;
        lock (_gate) tail = _tail;
        tail.Wait();
        ThrowIfFailed();
    }

    private void Run(Action action)
    {
        if (Volatile.Read(ref _failure) is not null) return;
        try
        {
            action();
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _failure, e, null);
        }
    }

    private void ThrowIfFailed()
    {
        var failure = Interlocked.Exchange(ref _failure, null);
        if (failure is null) return;
        throw failure as RunnerException ?? new RunnerException($"Writing a checkpoint to disk failed: {failure.Message}", failure);
    }

    private static void FlushToDisk(string path)
    {
        try
        {
            using (var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Write))
                RandomAccess.FlushToDisk(handle);
            AtomicFile.SyncFolder(Path.GetDirectoryName(Path.GetFullPath(path))!);
        }
        catch (FileNotFoundException)
        {
            // Deleted since (by its user): nothing left to make durable.
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw FileWriteException.FlushFailed(path, e);
        }
    }
}
