using SharpLM.Core;
using SharpLM.Distributed;

namespace SharpLM.Cli.Stages;

/// <summary>Runs one rank's share of a multi-process command, ending the whole job when this rank fails.</summary>
public static class DataParallelRank
{
    /// <summary>
    /// A rank that fails alone would leave the others waiting in a collective, so under MPI the error is printed
    /// with the rank and the job is aborted (mpirun then exits non-zero); a world of one just throws.
    /// </summary>
    public static T Guard<T>(ICommunicator communicator, Func<T> work)
    {
        try
        {
            return work();
        }
        catch (Exception e) when (communicator is MpiCommunicator { WorldSize: > 1 } mpi)
        {
            Console.Error.WriteLine(e is SharpLMException or IOException or UnauthorizedAccessException
                ? $"sharplm: error: rank {mpi.Rank}: {e.Message}"
                : $"sharplm: internal error: rank {mpi.Rank}: {e}");
            Console.Error.Flush();
            mpi.Abort(e is SharpLMException ? 2 : 70);
            throw;
        }
    }
}
