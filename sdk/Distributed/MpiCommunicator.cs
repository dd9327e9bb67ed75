using System.Diagnostics;
using System.Runtime.InteropServices;
using Runner.Sdk.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace Runner.Sdk.Distributed;

/// <summary>
/// The ranks of a run started by Open MPI (<c>mpirun</c>, or <c>srun</c> with Open MPI's Slurm support), talking
/// through <c>MPI_COMM_WORLD</c>. Every collective is posted non-blocking and then polled, so that a wait can end:
/// after <see cref="Timeout"/>, the waiting rank asks every other rank whether it is alive (each rank answers while
/// it waits in any collective) and fails with a message naming the ranks that did not answer — a dead or stopped
/// process — instead of hanging forever as a blocking MPI call would.
/// </summary>
internal sealed unsafe class MpiCommunicator : ICommunicator
{
    private const int PingTag = 7301;
    private const int PongTag = 7302;
    private static readonly Lock Gate = new();
    private static MpiCommunicator? _world;

    /// <summary>Read-only payloads of pings and pongs; MPI reads them after Isend returns, so they live as long as the process.</summary>
    private static readonly int* Signal = (int*)NativeMemory.AllocZeroed(sizeof(int));

    private readonly OpenMpi.Api _mpi;
    private readonly nint _comm;
    private readonly nint _control;
    private bool _ended;
    private volatile string? _interruption;

    private MpiCommunicator(OpenMpi.Api mpi)
    {
        _mpi = mpi;
        // Two copies of the world: one for the run's data, one for "are you alive?" and the final handshake, so
        // that those never match a data collective a rank left half-way.
        nint data, control;
        Check(mpi.CommDup(mpi.CommWorld, &data), "MPI_Comm_dup");
        Check(mpi.CommDup(mpi.CommWorld, &control), "MPI_Comm_dup");
        _comm = data;
        _control = control;
        int rank, size;
        Check(mpi.CommRank(_comm, &rank), "MPI_Comm_rank");
        Check(mpi.CommSize(_comm, &size), "MPI_Comm_size");
        Rank = rank;
        WorldSize = size;
        // The ranks sharing this machine's memory: a communicator split by node, asked for its size and our place.
        nint local;
        Check(mpi.CommSplitType(_comm, OpenMpi.CommTypeShared, rank, mpi.InfoNull, &local), "MPI_Comm_split_type");
        int localRank, localSize;
        Check(mpi.CommRank(local, &localRank), "MPI_Comm_rank");
        Check(mpi.CommSize(local, &localSize), "MPI_Comm_size");
        mpi.CommFree(&local);
        LocalRank = localRank;
        LocalSize = localSize;
        int threadLevel;
        AcceptsCallsFromAnyThread = mpi.QueryThread(&threadLevel) == OpenMpi.Success && threadLevel >= OpenMpi.ThreadSerialized;
        var version = stackalloc byte[512];
        int length;
        Backend = mpi.GetLibraryVersion(version, &length) == OpenMpi.Success
            ? "mpi (" + Marshal.PtrToStringUTF8((nint)version, length).Split(',', '\n')[0].Trim() + ")"
            : "mpi";
    }

    /// <summary>
    /// Joins the world this process was started in (<c>MPI_Init</c>, once per process; later calls return the same
    /// communicator). Errors come back as return codes, never as MPI's own abort.
    /// </summary>
    public static MpiCommunicator JoinWorld()
    {
        lock (Gate)
        {
            if (_world is not null) return _world;
            var mpi = OpenMpi.Functions;
            int initialized;
            mpi.Initialized(&initialized);
            if (initialized == 0)
            {
                // Open MPI would otherwise put its own SIGSEGV/SIGBUS handlers in place of .NET's, which turns every
                // NullReferenceException into a crash with a native backtrace.
                NativeEnvironment.SetIfUnset("OMPI_MCA_opal_signal", "");
                // Serialized calls from any thread: the gradients are averaged on a thread of their own while the
                // backward pass goes on (DataParallel), never at the same time as a call from the main thread.
                int granted;
                var rc = mpi.InitThread(null, null, OpenMpi.ThreadSerialized, &granted);
                if (rc != OpenMpi.Success) throw new DistributedException($"MPI_Init_thread failed (error {rc}): Open MPI could not start this process's part of the run.");
            }
            mpi.CommSetErrhandler(mpi.CommWorld, mpi.ErrorsReturn);
            return _world = new MpiCommunicator(mpi);
        }
    }

    public int Rank { get; }

    public int WorldSize { get; }

    public int LocalRank { get; }

    public int LocalSize { get; }

    public string Backend { get; }

    public bool AcceptsCallsFromAnyThread { get; }

    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How long a wait goes on after <see cref="Interrupt"/> before it gives up: time for the others to
    /// arrive when all ranks were signalled together (they then stop at the same iteration).</summary>
    public static readonly TimeSpan InterruptGrace = TimeSpan.FromSeconds(3);

    /// <summary>How long the ranks are given to answer "are you alive?" after a timeout.</summary>
    public static readonly TimeSpan PingGrace = TimeSpan.FromSeconds(5);

    /// <summary>Whether a collective failed (then the others may still be waiting, and only <see cref="Abort"/> ends the run).</summary>
    public bool Failed { get; private set; }

    /// <summary>Ends waits that go on longer than <see cref="InterruptGrace"/> (the host calls it on SIGINT/SIGTERM). Safe from any thread.</summary>
    public void Interrupt(string signal) => _interruption = signal;

    public void AllReduce(Tensor tensor, ReduceOp op, string purpose)
    {
        var (type, size) = TypeOf(tensor, purpose);
        var opHandle = op == ReduceOp.Max ? _mpi.OpMax : _mpi.OpSum;
        var data = (byte*)TensorAddress.Of(tensor);
        for (long done = 0, count = tensor.numel(); done < count; done += int.MaxValue)
        {
            var chunk = (int)Math.Min(int.MaxValue, count - done);
            nint request;
            Check(_mpi.Iallreduce((void*)1 /* MPI_IN_PLACE */, data + done * size, chunk, type, opHandle, _comm, &request), purpose);
            Wait(&request, purpose);
        }
        if (op == ReduceOp.Mean)
        {
            if (!tensor.is_floating_point()) throw new ArgumentException($"{purpose}: a mean needs a floating-point tensor, not {tensor.dtype}.");
            tensor.div_(WorldSize);
        }
    }

    public void Broadcast(Tensor tensor, int root, string purpose)
    {
        var (type, size) = TypeOf(tensor, purpose);
        var data = (byte*)TensorAddress.Of(tensor);
        for (long done = 0, count = tensor.numel(); done < count; done += int.MaxValue)
        {
            var chunk = (int)Math.Min(int.MaxValue, count - done);
            nint request;
            Check(_mpi.Ibcast(data + done * size, chunk, type, root, _comm, &request), purpose);
            Wait(&request, purpose);
        }
    }

    public byte[] Broadcast(byte[] payload, int root, string purpose)
    {
        var length = Rank == root ? payload.Length : 0;
        nint request;
        Check(_mpi.Ibcast(&length, 1, _mpi.Int, root, _comm, &request), purpose);
        Wait(&request, purpose);
        var result = Rank == root ? payload : new byte[length];
        if (length == 0) return result;
        fixed (byte* data = result)
        {
            Check(_mpi.Ibcast(data, length, _mpi.Byte, root, _comm, &request), purpose);
            Wait(&request, purpose);
        }
        return result;
    }

    public byte[][] AllGather(byte[] payload, string purpose)
    {
        var lengths = new int[WorldSize];
        var mine = payload.Length;
        nint request;
        fixed (int* all = lengths)
        {
            Check(_mpi.Iallgather(&mine, 1, _mpi.Int, all, 1, _mpi.Int, _comm, &request), purpose);
            Wait(&request, purpose);
        }
        var offsets = new int[WorldSize];
        long total = 0;
        for (var r = 0; r < WorldSize; r++)
        {
            offsets[r] = (int)total;
            total += lengths[r];
        }
        if (total > int.MaxValue) throw new DistributedException($"rank {Rank}: {purpose}: the ranks' results add up to {total} bytes, more than one gather can carry (2 GB).");
        var gathered = new byte[total];
        fixed (byte* send = payload)
        fixed (byte* receive = gathered)
        fixed (int* counts = lengths)
        fixed (int* displacements = offsets)
        {
            Check(_mpi.Iallgatherv(send, mine, _mpi.Byte, receive, counts, displacements, _mpi.Byte, _comm, &request), purpose);
            Wait(&request, purpose);
        }
        return Enumerable.Range(0, WorldSize).Select(r => gathered.AsSpan(offsets[r], lengths[r]).ToArray()).ToArray();
    }

    public void Barrier(string purpose)
    {
        nint request;
        Check(_mpi.Ibarrier(_comm, &request), purpose);
        Wait(&request, purpose);
    }

    /// <summary>
    /// Ends this process's part of the run: when every rank gets here within <paramref name="wait"/> (the run ended
    /// together, well or with the same error everywhere), leaves the world in order (<c>MPI_Finalize</c>); otherwise
    /// some rank is still waiting for this one, and the whole run is aborted so that none of them hangs.
    /// </summary>
    public void End(int exitCode, TimeSpan wait)
    {
        lock (Gate)
        {
            if (_ended) return;
        }
        var together = false;
        if (!Failed)
        {
            try
            {
                var previous = Timeout;
                Timeout = wait;
                nint request;
                Check(_mpi.Ibarrier(_control, &request), "the end of the run");
                Wait(&request, "the end of the run");
                Timeout = previous;
                together = true;
            }
            catch (DistributedException)
            {
                // Someone is missing: abort below.
            }
        }
        if (!together) Abort(exitCode == 0 ? 1 : exitCode);
        Dispose();
    }

    public void Abort(int exitCode)
    {
        Console.Out.Flush();
        Console.Error.Flush();
        _mpi.Abort(_comm, exitCode);
        Environment.Exit(exitCode); // MPI_Abort does not return; should it, the process still ends
    }

    /// <summary>Leaves the world (<c>MPI_Finalize</c>) after a run that ended together on every rank.</summary>
    public void Dispose()
    {
        lock (Gate)
        {
            if (_ended) return;
            _ended = true;
            int finalized;
            _mpi.Finalized(&finalized);
            if (finalized == 0) _mpi.Finalize();
        }
    }

    private (nint Type, int Size) TypeOf(Tensor tensor, string purpose)
    {
        if (tensor.device_type != DeviceType.CPU || !tensor.is_contiguous())
            throw new ArgumentException($"{purpose}: MPI collectives take contiguous CPU tensors (got a {(tensor.is_contiguous() ? "" : "non-contiguous ")}{tensor.device_type} tensor).");
        return tensor.dtype switch
        {
            ScalarType.Float32 => (_mpi.Float, 4),
            ScalarType.Float64 => (_mpi.Double, 8),
            ScalarType.Int64 => (_mpi.Int64, 8),
            _ => throw new ArgumentException($"{purpose}: MPI collectives here take float32, float64 or int64 tensors, not {tensor.dtype}."),
        };
    }

    /// <summary>Polls a posted collective until it completes, answering the others' pings meanwhile.</summary>
    private void Wait(nint* request, string purpose)
    {
        var started = Stopwatch.GetTimestamp();
        OpenMpi.Status status;
        for (long polls = 0; ; polls++)
        {
            int done;
            Check(_mpi.Test(request, &done, &status), purpose);
            if (done != 0) return;
            if (polls < 200) continue; // most collectives of a step finish within microseconds
            AnswerPings();
            var waited = Stopwatch.GetElapsedTime(started);
            if (waited > Timeout) throw Fail($"rank {Rank}: {purpose} did not complete within {Describe(Timeout)}: {FindSilentRanks()}");
            if (_interruption is { } signal && waited > InterruptGrace)
            {
                throw Fail($"rank {Rank}: stopped by {signal} while waiting {Describe(waited)} for the other ranks ({purpose}). " +
                    "When the launcher ends a run because one rank failed, its message names that rank.");
            }
            if (waited < TimeSpan.FromMilliseconds(20)) Thread.Yield();
            else Thread.Sleep(1);
        }
    }

    /// <summary>Replies to every pending "are you alive?" of another rank.</summary>
    private void AnswerPings()
    {
        while (true)
        {
            int pending;
            OpenMpi.Status status;
            if (_mpi.Iprobe(OpenMpi.AnySource, PingTag, _control, &pending, &status) != OpenMpi.Success || pending == 0) return;
            int ping;
            _mpi.Recv(&ping, 1, _mpi.Int, status.Source, PingTag, _control, &status);
            nint reply;
            if (_mpi.Isend(Signal, 1, _mpi.Int, status.Source, PongTag, _control, &reply) == OpenMpi.Success) _mpi.RequestFree(&reply);
        }
    }

    /// <summary>After a timeout: which ranks do not answer a ping within <see cref="PingGrace"/>.</summary>
    private string FindSilentRanks()
    {
        var others = Enumerable.Range(0, WorldSize).Where(r => r != Rank).ToArray();
        var answers = (int*)NativeMemory.AllocZeroed((nuint)(WorldSize * sizeof(int)));
        var receives = new nint[WorldSize];
        foreach (var r in others)
        {
            nint ping;
            if (_mpi.Isend(Signal, 1, _mpi.Int, r, PingTag, _control, &ping) == OpenMpi.Success) _mpi.RequestFree(&ping);
            fixed (nint* receive = &receives[r]) _mpi.Irecv(answers + r, 1, _mpi.Int, r, PongTag, _control, receive);
        }
        var answered = new HashSet<int>();
        var started = Stopwatch.GetTimestamp();
        while (answered.Count < others.Length && Stopwatch.GetElapsedTime(started) < PingGrace)
        {
            foreach (var r in others)
            {
                if (answered.Contains(r)) continue;
                int done;
                OpenMpi.Status status;
                fixed (nint* receive = &receives[r]) _mpi.Test(receive, &done, &status);
                if (done != 0) answered.Add(r);
            }
            AnswerPings();
            Thread.Sleep(1);
        }
        // The pending receives stay posted: the run ends now (the host aborts it), and freeing their buffer first could
        // let a late answer write into freed memory.
        var silent = others.Where(r => !answered.Contains(r)).ToList();
        return silent.Count == 0
            ? "every other rank is alive and waiting too, so the ranks called collectives in different orders (a hook, metric or plugin that communicates on some ranks only?)."
            : $"rank{(silent.Count == 1 ? "" : "s")} {string.Join(", ", silent)} did not answer (dead, stopped, or stuck outside Runner's collective calls).";
    }

    private DistributedException Fail(string message)
    {
        Failed = true;
        return new DistributedException(message);
    }

    private void Check(int rc, string purpose)
    {
        if (rc == OpenMpi.Success) return;
        var text = stackalloc byte[512];
        int length;
        var reason = _mpi.ErrorString(rc, text, &length) == OpenMpi.Success ? Marshal.PtrToStringUTF8((nint)text, length) : $"error {rc}";
        throw Fail($"rank {Rank}: {purpose} failed in MPI: {reason}.");
    }

    private static string Describe(TimeSpan span) => span.TotalSeconds < 120 ? $"{span.TotalSeconds:0.#} s" : $"{span.TotalMinutes:0.#} min";
}
