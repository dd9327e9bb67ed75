using System.Runtime.InteropServices;

namespace Runner.Sdk.Distributed;

/// <summary>
/// The few Open MPI functions Runner calls, bound by hand to <c>libmpi.so.40</c> (Open MPI 4 and 5). Open MPI's
/// handles are pointers to exported globals (<c>MPI_COMM_WORLD</c> is <c>&amp;ompi_mpi_comm_world</c>), which is why
/// MPI.NET — written for MS-MPI's integer handles — cannot be used (it crashes on Open MPI). Loaded on first use, so
/// a machine without Open MPI runs single-process jobs as before and gets a clear error only when it asks for MPI.
/// </summary>
internal static unsafe class OpenMpi
{
    public const string LibraryName = "libmpi.so.40";
    public const int Success = 0;
    public const int AnySource = -1;
    public const int CommTypeShared = 0;

    /// <summary><c>MPI_THREAD_SERIALIZED</c>: any thread may call MPI, one at a time (Open MPI's numbering).</summary>
    public const int ThreadSerialized = 2;

    /// <summary><c>MPI_Status</c> as Open MPI lays it out.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Status
    {
        public int Source;
        public int Tag;
        public int Error;
        private int _cancelled;
        private nuint _count;
    }

    private static readonly Lazy<Api> Loaded = new(Load);

    /// <summary>The library's functions and handles; throws <see cref="DistributedException"/> when Open MPI is not installed.</summary>
    public static Api Functions => Loaded.Value;

    /// <summary>The library to load: <c>RUNNER_MPI_LIBRARY</c> (a path, for an Open MPI outside the loader's search path), or <c>libmpi.so.40</c>.</summary>
    public static string LibraryPath => Environment.GetEnvironmentVariable("RUNNER_MPI_LIBRARY") is { Length: > 0 } path ? path : LibraryName;

    private static Api Load()
    {
        if (!NativeLibrary.TryLoad(LibraryPath, out var library))
        {
            throw new DistributedException($"Open MPI's library ({LibraryPath}) could not be loaded, and the run asks for more than one process. " +
                "Install Open MPI (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev), or point RUNNER_MPI_LIBRARY at its libmpi.so.40, " +
                "or train with launcher = \"none\".");
        }
        try
        {
            return new Api(library);
        }
        catch (EntryPointNotFoundException e)
        {
            throw new DistributedException($"{LibraryPath} is not Open MPI's library ({e.Message}): Runner binds Open MPI 4 or 5 (MPICH and MS-MPI have another ABI).", e);
        }
    }

    /// <summary>Function pointers and predefined handles, read from the loaded library.</summary>
    public sealed class Api(nint library)
    {
        public readonly nint CommWorld = NativeLibrary.GetExport(library, "ompi_mpi_comm_world");
        public readonly nint Float = NativeLibrary.GetExport(library, "ompi_mpi_float");
        public readonly nint Double = NativeLibrary.GetExport(library, "ompi_mpi_double");
        public readonly nint Int64 = NativeLibrary.GetExport(library, "ompi_mpi_int64_t");
        public readonly nint Int = NativeLibrary.GetExport(library, "ompi_mpi_int");
        public readonly nint Byte = NativeLibrary.GetExport(library, "ompi_mpi_byte");
        public readonly nint OpSum = NativeLibrary.GetExport(library, "ompi_mpi_op_sum");
        public readonly nint OpMax = NativeLibrary.GetExport(library, "ompi_mpi_op_max");
        public readonly nint ErrorsReturn = NativeLibrary.GetExport(library, "ompi_mpi_errors_return");
        public readonly nint InfoNull = NativeLibrary.GetExport(library, "ompi_mpi_info_null");

        public readonly delegate* unmanaged<int*, int> Initialized = (delegate* unmanaged<int*, int>)NativeLibrary.GetExport(library, "MPI_Initialized");
        public readonly delegate* unmanaged<int*, int> Finalized = (delegate* unmanaged<int*, int>)NativeLibrary.GetExport(library, "MPI_Finalized");
        public readonly delegate* unmanaged<int*, byte***, int> Init = (delegate* unmanaged<int*, byte***, int>)NativeLibrary.GetExport(library, "MPI_Init");
        public readonly delegate* unmanaged<int*, byte***, int, int*, int> InitThread = (delegate* unmanaged<int*, byte***, int, int*, int>)NativeLibrary.GetExport(library, "MPI_Init_thread");
        public readonly delegate* unmanaged<int*, int> QueryThread = (delegate* unmanaged<int*, int>)NativeLibrary.GetExport(library, "MPI_Query_thread");
        public readonly delegate* unmanaged<int> Finalize = (delegate* unmanaged<int>)NativeLibrary.GetExport(library, "MPI_Finalize");
        public readonly delegate* unmanaged<nint, int, int> Abort = (delegate* unmanaged<nint, int, int>)NativeLibrary.GetExport(library, "MPI_Abort");
        public readonly delegate* unmanaged<nint, int*, int> CommRank = (delegate* unmanaged<nint, int*, int>)NativeLibrary.GetExport(library, "MPI_Comm_rank");
        public readonly delegate* unmanaged<nint, int*, int> CommSize = (delegate* unmanaged<nint, int*, int>)NativeLibrary.GetExport(library, "MPI_Comm_size");
        public readonly delegate* unmanaged<nint, int, int, nint, nint*, int> CommSplitType = (delegate* unmanaged<nint, int, int, nint, nint*, int>)NativeLibrary.GetExport(library, "MPI_Comm_split_type");
        public readonly delegate* unmanaged<nint, nint*, int> CommDup = (delegate* unmanaged<nint, nint*, int>)NativeLibrary.GetExport(library, "MPI_Comm_dup");
        public readonly delegate* unmanaged<nint*, int> CommFree = (delegate* unmanaged<nint*, int>)NativeLibrary.GetExport(library, "MPI_Comm_free");
        public readonly delegate* unmanaged<nint, nint, int> CommSetErrhandler = (delegate* unmanaged<nint, nint, int>)NativeLibrary.GetExport(library, "MPI_Comm_set_errhandler");
        public readonly delegate* unmanaged<byte*, int*, int> GetLibraryVersion = (delegate* unmanaged<byte*, int*, int>)NativeLibrary.GetExport(library, "MPI_Get_library_version");
        public readonly delegate* unmanaged<void*, void*, int, nint, nint, nint, nint*, int> Iallreduce = (delegate* unmanaged<void*, void*, int, nint, nint, nint, nint*, int>)NativeLibrary.GetExport(library, "MPI_Iallreduce");
        public readonly delegate* unmanaged<void*, int, nint, int, nint, nint*, int> Ibcast = (delegate* unmanaged<void*, int, nint, int, nint, nint*, int>)NativeLibrary.GetExport(library, "MPI_Ibcast");
        public readonly delegate* unmanaged<void*, int, nint, void*, int, nint, nint, nint*, int> Iallgather = (delegate* unmanaged<void*, int, nint, void*, int, nint, nint, nint*, int>)NativeLibrary.GetExport(library, "MPI_Iallgather");
        public readonly delegate* unmanaged<void*, int, nint, void*, int*, int*, nint, nint, nint*, int> Iallgatherv = (delegate* unmanaged<void*, int, nint, void*, int*, int*, nint, nint, nint*, int>)NativeLibrary.GetExport(library, "MPI_Iallgatherv");
        public readonly delegate* unmanaged<nint, nint*, int> Ibarrier = (delegate* unmanaged<nint, nint*, int>)NativeLibrary.GetExport(library, "MPI_Ibarrier");
        public readonly delegate* unmanaged<nint*, int*, Status*, int> Test = (delegate* unmanaged<nint*, int*, Status*, int>)NativeLibrary.GetExport(library, "MPI_Test");
        public readonly delegate* unmanaged<void*, int, nint, int, int, nint, nint*, int> Isend = (delegate* unmanaged<void*, int, nint, int, int, nint, nint*, int>)NativeLibrary.GetExport(library, "MPI_Isend");
        public readonly delegate* unmanaged<void*, int, nint, int, int, nint, nint*, int> Irecv = (delegate* unmanaged<void*, int, nint, int, int, nint, nint*, int>)NativeLibrary.GetExport(library, "MPI_Irecv");
        public readonly delegate* unmanaged<int, int, nint, int*, Status*, int> Iprobe = (delegate* unmanaged<int, int, nint, int*, Status*, int>)NativeLibrary.GetExport(library, "MPI_Iprobe");
        public readonly delegate* unmanaged<void*, int, nint, int, int, nint, Status*, int> Recv = (delegate* unmanaged<void*, int, nint, int, int, nint, Status*, int>)NativeLibrary.GetExport(library, "MPI_Recv");
        public readonly delegate* unmanaged<int, byte*, int*, int> ErrorString = (delegate* unmanaged<int, byte*, int*, int>)NativeLibrary.GetExport(library, "MPI_Error_string");
        public readonly delegate* unmanaged<nint*, int> RequestFree = (delegate* unmanaged<nint*, int>)NativeLibrary.GetExport(library, "MPI_Request_free");
    }
}
