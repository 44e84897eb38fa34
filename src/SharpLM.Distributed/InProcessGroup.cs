namespace SharpLM.Distributed;

/// <summary>
/// Ranks that are threads of one process, for tests and for checking the collectives' arithmetic: each rank
/// publishes its buffer, waits for all, and reduces the published buffers in rank order (so every rank computes
/// bit-identical sums), then waits again before any buffer may be reused.
/// </summary>
public sealed class InProcessGroup
{
    private readonly Barrier _barrier;
    private readonly float[][] _slots;
    private byte[] _broadcast = [];

    private InProcessGroup(int worldSize)
    {
        _barrier = new Barrier(worldSize);
        _slots = new float[worldSize][];
    }

    /// <summary>One communicator per rank; give each to its own thread.</summary>
    public static IReadOnlyList<ICommunicator> Create(int worldSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(worldSize, 1);
        var group = new InProcessGroup(worldSize);
        return Enumerable.Range(0, worldSize).Select(r => (ICommunicator)new Member(group, r)).ToList();
    }

    private sealed class Member(InProcessGroup group, int rank) : ICommunicator
    {
        public int Rank => rank;
        public int WorldSize => group._slots.Length;

        public void AllReduceSum(Span<float> data)
        {
            Publish(data);
            Sum(0, data);
            group._barrier.SignalAndWait();
        }

        public void ReduceScatterSum(ReadOnlySpan<float> send, Span<float> receive)
        {
            CommunicatorExtensions.RequireBlocks(this, send.Length, receive.Length, "reduce-scatter");
            Publish(send);
            Sum(rank * receive.Length, receive);
            group._barrier.SignalAndWait();
        }

        public void AllGather(ReadOnlySpan<float> send, Span<float> receive)
        {
            CommunicatorExtensions.RequireBlocks(this, receive.Length, send.Length, "all-gather");
            Publish(send);
            for (int r = 0; r < WorldSize; r++) group._slots[r].CopyTo(receive.Slice(r * send.Length, send.Length));
            group._barrier.SignalAndWait();
        }

        public void Broadcast(Span<byte> data, int root)
        {
            if (rank == root) group._broadcast = data.ToArray();
            group._barrier.SignalAndWait();
            if (group._broadcast.Length != data.Length) throw new ArgumentException($"broadcast: rank {rank} expects {data.Length} bytes, the root sent {group._broadcast.Length}.");
            if (rank != root) group._broadcast.CopyTo(data);
            group._barrier.SignalAndWait();
        }

        public void Barrier() => group._barrier.SignalAndWait();

        public void Dispose() { }

        private void Publish(ReadOnlySpan<float> data)
        {
            group._slots[rank] = data.ToArray();
            group._barrier.SignalAndWait();
        }

        private void Sum(int offset, Span<float> into)
        {
            for (int i = 0; i < into.Length; i++)
            {
                float sum = 0;
                for (int r = 0; r < WorldSize; r++) sum += group._slots[r][offset + i];
                into[i] = sum;
            }
        }
    }
}
