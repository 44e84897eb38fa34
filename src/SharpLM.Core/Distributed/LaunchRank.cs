using System.Collections;
using System.Globalization;

namespace SharpLM.Core.Distributed;

/// <summary>
/// Which of several identical processes this one is, and how many there are, as a launcher says it: command-line
/// values first, then Open MPI (<c>OMPI_COMM_WORLD_RANK</c>/<c>OMPI_COMM_WORLD_SIZE</c>), Slurm job arrays
/// (<c>SLURM_ARRAY_TASK_ID</c> minus <c>SLURM_ARRAY_TASK_MIN</c>, <c>SLURM_ARRAY_TASK_COUNT</c>), Slurm steps
/// (<c>SLURM_PROCID</c>/<c>SLURM_NTASKS</c>) and Kubernetes Indexed Jobs (<c>JOB_COMPLETION_INDEX</c>, whose world
/// size Kubernetes does not export, so it comes from the command line or <c>SHARPLM_WORLD_SIZE</c>).
/// </summary>
public sealed record LaunchRank(int Rank, int WorldSize)
{
    public static readonly LaunchRank Single = new(0, 1);

    public bool IsDistributed => WorldSize > 1;

    /// <summary>Resolves rank and world size; null when neither the options nor the environment name a rank.</summary>
    public static LaunchRank? Resolve(int? rank, int? worldSize, IDictionary? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariables();
        string? Get(string name) => environment[name] as string;
        (int? envRank, int? envWorld, string origin) = FromEnvironment(Get);
        int? r = rank ?? envRank;
        int? w = worldSize ?? envWorld ?? Parse(Get, "SHARPLM_WORLD_SIZE");
        if (r is null && w is null) return null;
        if (w is null) throw new SharpLMException($"the rank is {r} (from {(rank is null ? origin : "--rank")}) but no world size is given; pass --world-size.");
        r ??= 0;
        if (w < 1) throw new SharpLMException($"--world-size must be at least 1 (got {w}).");
        if (r < 0 || r >= w) throw new SharpLMException($"--rank must be between 0 and {w - 1} for a world size of {w} (got {r}).");
        return new LaunchRank(r.Value, w.Value);
    }

    private static (int? Rank, int? World, string Origin) FromEnvironment(Func<string, string?> get)
    {
        if (Parse(get, "OMPI_COMM_WORLD_RANK") is int mpiRank) return (mpiRank, Parse(get, "OMPI_COMM_WORLD_SIZE"), "OMPI_COMM_WORLD_RANK");
        if (Parse(get, "SLURM_ARRAY_TASK_ID") is int task)
        {
            // Arrays may start anywhere (--array=1-8); the rank counts from the first task.
            int min = Parse(get, "SLURM_ARRAY_TASK_MIN") ?? 0;
            return (task - min, Parse(get, "SLURM_ARRAY_TASK_COUNT"), "SLURM_ARRAY_TASK_ID");
        }
        if (Parse(get, "SLURM_PROCID") is int proc) return (proc, Parse(get, "SLURM_NTASKS"), "SLURM_PROCID");
        if (Parse(get, "JOB_COMPLETION_INDEX") is int index) return (index, null, "JOB_COMPLETION_INDEX");
        return (null, null, "");
    }

    private static int? Parse(Func<string, string?> get, string name)
    {
        string? value = get(name);
        if (string.IsNullOrWhiteSpace(value)) return null;
        return int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int parsed)
            ? parsed
            : throw new SharpLMException($"environment variable {name} is '{value}', not an integer.");
    }
}
