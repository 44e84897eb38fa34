using SharpLM.Core.Distributed;

namespace SharpLM.Distributed;

/// <summary>Chooses the communicator for this process: Open MPI when a launcher started several ranks, else one rank alone.</summary>
public static class Communicators
{
    /// <summary>The communicator for a world of one: every collective leaves the data as it is.</summary>
    public static ICommunicator Single() => InProcessGroup.Create(1)[0];

    /// <summary>
    /// Open MPI when mpirun (OMPI_COMM_WORLD_SIZE) or srun (SLURM_NTASKS with SLURM_PROCID) says there is more than one
    /// rank; otherwise <see cref="Single"/>.
    /// </summary>
    public static ICommunicator FromEnvironment()
    {
        string? Get(string name) => Environment.GetEnvironmentVariable(name);
        bool mpi = int.TryParse(Get("OMPI_COMM_WORLD_SIZE"), out int size) && size > 1
                   || Get("SLURM_PROCID") is not null && int.TryParse(Get("SLURM_NTASKS"), out int tasks) && tasks > 1;
        return mpi ? new MpiCommunicator() : Single();
    }

    /// <summary>The launcher's view of this process (for logs), without starting MPI.</summary>
    public static LaunchRank? Launch() => LaunchRank.Resolve(null, null);
}
