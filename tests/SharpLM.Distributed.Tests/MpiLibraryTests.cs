using SharpLM.Core;

namespace SharpLM.Distributed.Tests;

public class MpiLibraryTests
{
    [Fact]
    public void Open_MPI_loads_when_installed_and_is_named_in_one_sentence_when_not()
    {
        bool present = File.Exists("/usr/lib/x86_64-linux-gnu/libmpi.so.40") || File.Exists("/usr/lib64/openmpi/lib/libmpi.so.40");
        if (!present)
        {
            var error = Assert.Throws<SharpLMException>(() => new MpiCommunicator());
            Assert.Contains("libmpi.so.40", error.Message);
            return;
        }
        Assert.True(MpiCommunicator.IsAvailable());
        // A singleton MPI run (no mpirun): rank 0 of 1, and the collectives still run through libmpi.
        using var mpi = new MpiCommunicator();
        Assert.Equal((0, 1), (mpi.Rank, mpi.WorldSize));
        float[] data = [1f, 2f];
        mpi.AllReduceSum(data);
        Assert.Equal([1f, 2f], data);
        var gathered = new float[2];
        mpi.AllGather(data, gathered);
        Assert.Equal(data, gathered);
        mpi.Barrier();
    }
}
