using System.Runtime.InteropServices;
using SharpLM.Core;

namespace SharpLM.Distributed;

/// <summary>
/// Open MPI through its C API, bound at run time to libmpi.so.40 with function pointers (no MPI package is
/// needed to build). Open MPI's handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM…) are the addresses of exported
/// globals such as <c>ompi_mpi_comm_world</c>; MPICH uses integer handles instead and is not supported.
/// One instance per process: it calls MPI_Init when created and MPI_Finalize when disposed.
/// </summary>
public sealed unsafe class MpiCommunicator : ICommunicator
{
    private const int Success = 0;
    private const int RtldNow = 0x002, RtldGlobal = 0x100;
    private static readonly string[] LibraryNames = ["libmpi.so.40", "libmpi.so"];
    private static readonly nint InPlace = 1; // Open MPI's MPI_IN_PLACE is ((void *) 1)

    private readonly nint _comm, _float, _byte, _sum;
    private readonly delegate* unmanaged<int> _finalize;
    private readonly delegate* unmanaged<void*, void*, int, nint, nint, nint, int> _allreduce;
    private readonly delegate* unmanaged<void*, int, nint, int, nint, int> _bcast;
    private readonly delegate* unmanaged<void*, void*, int*, nint, nint, nint, int> _reduceScatter;
    private readonly delegate* unmanaged<void*, int, nint, void*, int, nint, nint, int> _allgather;
    private readonly delegate* unmanaged<nint, int> _barrier;
    private bool _disposed;

    public int Rank { get; }
    public int WorldSize { get; }

    public MpiCommunicator()
    {
        nint library = Load();
        nint Export(string name) => NativeLibrary.TryGetExport(library, name, out nint address)
            ? address
            : throw new SharpLMException($"{LibraryNames[0]}: has no symbol '{name}'; SharpLM needs Open MPI 4 or 5 (MPICH is not supported).");
        _comm = Export("ompi_mpi_comm_world");
        _float = Export("ompi_mpi_float");
        _byte = Export("ompi_mpi_byte");
        _sum = Export("ompi_mpi_op_sum");
        var initialized = (delegate* unmanaged<int*, int>)Export("MPI_Initialized");
        var init = (delegate* unmanaged<int*, byte***, int>)Export("MPI_Init");
        var commRank = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_rank");
        var commSize = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_size");
        _finalize = (delegate* unmanaged<int>)Export("MPI_Finalize");
        _allreduce = (delegate* unmanaged<void*, void*, int, nint, nint, nint, int>)Export("MPI_Allreduce");
        _bcast = (delegate* unmanaged<void*, int, nint, int, nint, int>)Export("MPI_Bcast");
        _reduceScatter = (delegate* unmanaged<void*, void*, int*, nint, nint, nint, int>)Export("MPI_Reduce_scatter");
        _allgather = (delegate* unmanaged<void*, int, nint, void*, int, nint, nint, int>)Export("MPI_Allgather");
        _barrier = (delegate* unmanaged<nint, int>)Export("MPI_Barrier");

        int already = 0;
        Check(initialized(&already), "MPI_Initialized");
        if (already == 0) Check(init(null, null), "MPI_Init");
        int rank = 0, size = 0;
        Check(commRank(_comm, &rank), "MPI_Comm_rank");
        Check(commSize(_comm, &size), "MPI_Comm_size");
        Rank = rank;
        WorldSize = size;
    }

    /// <summary>Whether Open MPI's library can be loaded here (for tests and for a clear message before launching).</summary>
    public static bool IsAvailable()
    {
        try
        {
            Load();
            return true;
        }
        catch (SharpLMException)
        {
            return false;
        }
    }

    public void AllReduceSum(Span<float> data)
    {
        fixed (float* p = data) Check(_allreduce((void*)InPlace, p, data.Length, _float, _sum, _comm), "MPI_Allreduce");
    }

    public void Broadcast(Span<byte> data, int root)
    {
        fixed (byte* p = data) Check(_bcast(p, data.Length, _byte, root, _comm), "MPI_Bcast");
    }

    public void ReduceScatterSum(ReadOnlySpan<float> send, Span<float> receive)
    {
        CommunicatorExtensions.RequireBlocks(this, send.Length, receive.Length, "reduce-scatter");
        var counts = new int[WorldSize];
        Array.Fill(counts, receive.Length);
        fixed (float* s = send)
        fixed (float* r = receive)
        fixed (int* c = counts)
            Check(_reduceScatter(s, r, c, _float, _sum, _comm), "MPI_Reduce_scatter");
    }

    public void AllGather(ReadOnlySpan<float> send, Span<float> receive)
    {
        CommunicatorExtensions.RequireBlocks(this, receive.Length, send.Length, "all-gather");
        fixed (float* s = send)
        fixed (float* r = receive)
            Check(_allgather(s, send.Length, _float, r, send.Length, _float, _comm), "MPI_Allgather");
    }

    public void Barrier() => Check(_barrier(_comm), "MPI_Barrier");

    /// <summary>
    /// Ends every rank of the job with <paramref name="code"/>: a rank that fails alone must not leave the others
    /// waiting in a collective for ever (nor block in MPI_Finalize, which waits for them).
    /// </summary>
    public void Abort(int code)
    {
        var abort = (delegate* unmanaged<nint, int, int>)NativeLibrary.GetExport(Load(), "MPI_Abort");
        abort(_comm, code);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _finalize();
    }

    private static nint Load()
    {
        foreach (string name in LibraryNames)
        {
            // RTLD_GLOBAL: Open MPI's plug-in components resolve symbols of libmpi that a local load would hide.
            nint handle = dlopen(name, RtldNow | RtldGlobal);
            if (handle != 0) return handle;
        }
        throw new SharpLMException("Open MPI was not found (libmpi.so.40); install it (Debian: apt-get install openmpi-bin libopenmpi-dev) " +
                                   "or start a single process without mpirun.");
    }

    private static void Check(int code, string call)
    {
        // The default error handler aborts the job on failure, so this is reached only under MPI_ERRORS_RETURN.
        if (code != Success) throw new InvalidOperationException($"{call} failed with MPI error code {code}.");
    }

    [DllImport("libc", EntryPoint = "dlopen")]
    private static extern nint dlopen(string file, int mode);
}
