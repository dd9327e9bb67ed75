using System.Diagnostics;
using System.Runtime.ExceptionServices;
using static TorchSharp.torch;

namespace Runner.Sdk.Distributed;

/// <summary>
/// A thread that all-reduces gradient buckets, in the order they are handed over, while the main thread goes on with
/// the backward pass (DDP's communication stream, for a communicator that takes serialized calls from any thread).
/// The main thread makes no call of its own until <see cref="WaitForAll"/> has returned, so calls never overlap.
/// </summary>
internal sealed class ReductionWorker : IDisposable
{
    private readonly ICommunicator _world;
    private readonly Thread _thread;
    private readonly object _gate = new();
    private readonly Queue<Tensor> _queue = new();
    private readonly List<(long Started, long Ended)> _reductions = [];
    private int _unfinished;
    private bool _stopping;
    private ExceptionDispatchInfo? _failure;

    public ReductionWorker(ICommunicator world)
    {
        _world = world;
        _thread = new Thread(Work) { IsBackground = true, Name = "Runner gradient all-reduce" };
        _thread.Start();
    }

    /// <summary>Starts averaging <paramref name="gradients"/> over the ranks, in place, after those handed over before.</summary>
    public void Enqueue(Tensor gradients)
    {
        lock (_gate)
        {
            _queue.Enqueue(gradients);
            _unfinished++;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>
    /// Waits until every bucket handed over is averaged; returns the start and end timestamps of their all-reduces
    /// since the last call, and rethrows the first failure (a rank that did not answer, say).
    /// </summary>
    public IReadOnlyList<(long Started, long Ended)> WaitForAll()
    {
        lock (_gate)
        {
            while (_unfinished > 0) Monitor.Wait(_gate);
            _failure?.Throw();
            var done = _reductions.ToList();
            _reductions.Clear();
            return done;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _stopping = true;
            Monitor.PulseAll(_gate);
        }
        _thread.Join(TimeSpan.FromSeconds(5));
    }

    private void Work()
    {
        while (true)
        {
            Tensor gradients;
            lock (_gate)
            {
                while (_queue.Count == 0 && !_stopping) Monitor.Wait(_gate);
                if (_queue.Count == 0) return;
                gradients = _queue.Dequeue();
            }
            var started = Stopwatch.GetTimestamp();
            ExceptionDispatchInfo? failure = null;
            if (_failure is null)
            {
                try
                {
                    _world.AllReduce(gradients, ReduceOp.Mean, "the gradient all-reduce");
                }
                catch (Exception e)
                {
                    failure = ExceptionDispatchInfo.Capture(e);
                }
            }
            lock (_gate)
            {
                _failure ??= failure;
                _reductions.Add((started, Stopwatch.GetTimestamp()));
                _unfinished--;
                Monitor.PulseAll(_gate);
            }
        }
    }
}
