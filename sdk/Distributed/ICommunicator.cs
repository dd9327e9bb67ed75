using static TorchSharp.torch;

namespace Runner.Sdk.Distributed;

/// <summary>
/// The processes of one run and what they say to each other (the part of <c>torch.distributed</c> a runner needs).
/// Loops, hooks and metrics talk to this interface only, so another backend (NCCL for CUDA tensors, say) can be added
/// without touching them. Every call is collective: all ranks make it, in the same order, or it fails after
/// <see cref="Timeout"/> with a <see cref="DistributedException"/> naming the ranks that did not answer.
/// </summary>
public interface ICommunicator : IDisposable
{
    /// <summary>This process's rank, 0 to <see cref="WorldSize"/> - 1.</summary>
    int Rank { get; }

    /// <summary>The number of processes.</summary>
    int WorldSize { get; }

    /// <summary>The rank among the processes on this machine.</summary>
    int LocalRank { get; }

    /// <summary>The number of processes on this machine.</summary>
    int LocalSize { get; }

    /// <summary>The engine, as the environment log names it (<c>none</c>, <c>mpi (Open MPI 4.1.4)</c>…).</summary>
    string Backend { get; }

    /// <summary>
    /// Whether calls may come from a thread other than the one that joined the world, one thread at a time (MPI's
    /// <c>MPI_THREAD_SERIALIZED</c>): then gradients are averaged on a thread of their own while the backward pass goes
    /// on. The default: no, every call comes from the thread that joined.
    /// </summary>
    bool AcceptsCallsFromAnyThread => false;

    /// <summary>How long a collective call waits for the other ranks before it fails.</summary>
    TimeSpan Timeout { get; set; }

    /// <summary>Reduces a contiguous CPU tensor (float32, float64 or int64) over all ranks, in place.</summary>
    void AllReduce(Tensor tensor, ReduceOp op, string purpose);

    /// <summary>Overwrites a contiguous CPU tensor on every rank with rank <paramref name="root"/>'s.</summary>
    void Broadcast(Tensor tensor, int root, string purpose);

    /// <summary>Rank <paramref name="root"/>'s bytes, on every rank (the others' <paramref name="payload"/> is ignored).</summary>
    byte[] Broadcast(byte[] payload, int root, string purpose);

    /// <summary>Every rank's bytes, in rank order, on every rank (payloads may differ in length).</summary>
    byte[][] AllGather(byte[] payload, string purpose);

    /// <summary>Returns once every rank has called it.</summary>
    void Barrier(string purpose);

    /// <summary>Ends the whole run at once, on every rank (after an error that leaves the others waiting).</summary>
    void Abort(int exitCode);

    /// <summary>
    /// Tells the communicator that the process got <paramref name="signal"/> (SIGINT, SIGTERM): a wait for the other
    /// ranks that goes on a few seconds longer then gives up, since a launcher stopping the run signals every rank.
    /// Safe from a signal handler and from any thread. The default does nothing (one process has nothing to wait for).
    /// </summary>
    void Interrupt(string signal) { }
}

/// <summary>How <see cref="ICommunicator.AllReduce"/> combines the ranks' values.</summary>
public enum ReduceOp
{
    /// <summary>Add the ranks' values.</summary>
    Sum,
    /// <summary>The sum divided by the world size.</summary>
    Mean,
    /// <summary>Take the largest of the ranks' values.</summary>
    Max,
}
