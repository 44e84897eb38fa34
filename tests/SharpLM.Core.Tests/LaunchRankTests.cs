using System.Collections;
using SharpLM.Core.Distributed;

namespace SharpLM.Core.Tests;

public class LaunchRankTests
{
    private static LaunchRank? Resolve(int? rank, int? world, params (string Name, string Value)[] environment) =>
        LaunchRank.Resolve(rank, world, new Hashtable(environment.ToDictionary(e => e.Name, e => (object)e.Value)));

    [Fact]
    public void Each_launcher_gives_rank_and_world_size()
    {
        Assert.Null(Resolve(null, null));
        Assert.Equal(new LaunchRank(1, 4), Resolve(null, null, ("OMPI_COMM_WORLD_RANK", "1"), ("OMPI_COMM_WORLD_SIZE", "4")));
        // A Slurm array declared --array=5-12 has tasks 5..12: rank counts from the first.
        Assert.Equal(new LaunchRank(2, 8), Resolve(null, null, ("SLURM_ARRAY_TASK_ID", "7"), ("SLURM_ARRAY_TASK_MIN", "5"), ("SLURM_ARRAY_TASK_COUNT", "8")));
        Assert.Equal(new LaunchRank(3, 6), Resolve(null, null, ("SLURM_PROCID", "3"), ("SLURM_NTASKS", "6")));
        Assert.Equal(new LaunchRank(5, 16), Resolve(null, 16, ("JOB_COMPLETION_INDEX", "5")));
        Assert.Equal(new LaunchRank(5, 16), Resolve(null, null, ("JOB_COMPLETION_INDEX", "5"), ("SHARPLM_WORLD_SIZE", "16")));
        // The command line wins over the environment.
        Assert.Equal(new LaunchRank(0, 2), Resolve(0, 2, ("OMPI_COMM_WORLD_RANK", "1"), ("OMPI_COMM_WORLD_SIZE", "4")));
    }

    [Fact]
    public void Inconsistent_values_are_named_in_one_sentence()
    {
        var noWorld = Assert.Throws<SharpLMException>(() => Resolve(null, null, ("JOB_COMPLETION_INDEX", "5")));
        Assert.Equal("the rank is 5 (from JOB_COMPLETION_INDEX) but no world size is given; pass --world-size.", noWorld.Message);
        var outside = Assert.Throws<SharpLMException>(() => Resolve(4, 4));
        Assert.Equal("--rank must be between 0 and 3 for a world size of 4 (got 4).", outside.Message);
        var garbled = Assert.Throws<SharpLMException>(() => Resolve(null, null, ("SLURM_ARRAY_TASK_ID", "x")));
        Assert.Equal("environment variable SLURM_ARRAY_TASK_ID is 'x', not an integer.", garbled.Message);
        Assert.Throws<SharpLMException>(() => Resolve(null, 0));
    }
}
