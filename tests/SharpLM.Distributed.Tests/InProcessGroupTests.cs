namespace SharpLM.Distributed.Tests;

public class InProcessGroupTests
{
    /// <summary>Runs one action per rank on its own thread and returns what each produced.</summary>
    private static T[] OnRanks<T>(int world, Func<ICommunicator, T> action)
    {
        var communicators = InProcessGroup.Create(world);
        var results = new T[world];
        var threads = communicators.Select(c => new Thread(() => results[c.Rank] = action(c))).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        return results;
    }

    [Fact]
    public void All_reduce_sums_and_averages_elementwise_on_every_rank()
    {
        // Rank r holds [r+1, 10(r+1), -r]: over 3 ranks the sums are [6, 60, -3].
        var sums = OnRanks(3, c =>
        {
            float[] data = [c.Rank + 1, 10 * (c.Rank + 1), -c.Rank];
            c.AllReduceSum(data);
            return data;
        });
        foreach (var s in sums) Assert.Equal([6f, 60f, -3f], s);
        var means = OnRanks(4, c =>
        {
            float[] data = [c.Rank];
            c.AllReduceAverage(data);
            return data[0];
        });
        Assert.All(means, m => Assert.Equal(1.5f, m));
    }

    [Fact]
    public void Reduce_scatter_then_all_gather_equals_all_reduce()
    {
        const int world = 3, block = 2;
        var results = OnRanks(world, c =>
        {
            float[] send = Enumerable.Range(0, world * block).Select(i => (float)(i * (c.Rank + 1))).ToArray();
            var mine = new float[block];
            c.ReduceScatterSum(send, mine);
            var gathered = new float[world * block];
            c.AllGather(mine, gathered);
            return (mine, gathered);
        });
        // Σ_r i·(r+1) = 6i; rank r's block is elements [2r, 2r+1].
        for (int r = 0; r < world; r++) Assert.Equal([6f * 2 * r, 6f * (2 * r + 1)], results[r].mine);
        foreach (var (_, gathered) in results) Assert.Equal(Enumerable.Range(0, world * block).Select(i => 6f * i), gathered);
    }

    [Fact]
    public void Broadcast_copies_the_root_bytes_and_a_length_mismatch_is_named()
    {
        var got = OnRanks(3, c =>
        {
            byte[] data = c.Rank == 1 ? [7, 8, 9] : [0, 0, 0];
            c.Broadcast(data, root: 1);
            c.Barrier();
            return data;
        });
        Assert.All(got, d => Assert.Equal(new byte[] { 7, 8, 9 }, d));
        Assert.Throws<ArgumentException>(() => InProcessGroup.Create(2)[0].ReduceScatterSum(new float[3], new float[2]));
    }

    [Fact]
    public void A_world_of_one_leaves_data_unchanged()
    {
        using var single = Communicators.Single();
        float[] data = [1.5f, -2f];
        single.AllReduceAverage(data);
        single.AllReduceSum(data);
        Assert.Equal([1.5f, -2f], data);
        Assert.Equal((0, 1), (single.Rank, single.WorldSize));
    }
}
