namespace SharpLM.Distributed;

/// <summary>
/// The collectives data-parallel training needs, over the processes (ranks) of one job. Every rank must make the
/// same calls in the same order with the same lengths, as with MPI. Sums are elementwise over ranks.
/// </summary>
public interface ICommunicator : IDisposable
{
    int Rank { get; }
    int WorldSize { get; }
    /// <summary>Replaces <paramref name="data"/> on every rank with its sum over all ranks.</summary>
    void AllReduceSum(Span<float> data);
    /// <summary>Copies <paramref name="data"/> of rank <paramref name="root"/> into every rank's <paramref name="data"/>.</summary>
    void Broadcast(Span<byte> data, int root);
    /// <summary>
    /// Sums <paramref name="send"/> (WorldSize equal blocks) over ranks and leaves block <see cref="Rank"/> of the sum
    /// in <paramref name="receive"/> (one block long).
    /// </summary>
    void ReduceScatterSum(ReadOnlySpan<float> send, Span<float> receive);
    /// <summary>Concatenates every rank's <paramref name="send"/> in rank order into <paramref name="receive"/>.</summary>
    void AllGather(ReadOnlySpan<float> send, Span<float> receive);
    void Barrier();
}

public static class CommunicatorExtensions
{
    /// <summary>The mean over ranks, as data-parallel gradients need it.</summary>
    public static void AllReduceAverage(this ICommunicator communicator, Span<float> data)
    {
        if (communicator.WorldSize == 1) return;
        communicator.AllReduceSum(data);
        float scale = 1f / communicator.WorldSize;
        for (int i = 0; i < data.Length; i++) data[i] *= scale;
    }

    internal static void RequireBlocks(ICommunicator communicator, int whole, int block, string what)
    {
        if (whole != block * communicator.WorldSize)
            throw new ArgumentException($"{what}: {whole} values is not {communicator.WorldSize} blocks of {block}.");
    }
}
