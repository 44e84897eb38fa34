using System.Runtime.InteropServices;

namespace SharpLM.Inference.Kernels;

/// <summary>Work split into numbered items that a <see cref="WorkerPool"/>'s participants claim one at a time.</summary>
public interface IPoolJob
{
    /// <summary>Runs item <paramref name="item"/>; <paramref name="worker"/> (0 for the calling thread) tells apart per-thread scratch.</summary>
    void Execute(int worker, int item);
}

/// <summary>
/// A fixed set of threads that help the caller through one job at a time. Decoding issues a few hundred short
/// products per token (tens of microseconds each), so waking threads through the task scheduler would cost as
/// much as the work: workers spin on a generation counter for a short while after each job and only then sleep.
///
/// Items are claimed from one 64-bit word holding the job's generation and the next item, so a worker that
/// arrives late (descheduled on a busy machine) finds the items taken and does nothing: the caller never waits
/// for a thread to show up, only for claimed items to finish. Starting a job allocates nothing.
/// </summary>
public sealed class WorkerPool
{
    /// <summary>Spin rounds (each a short pause) before an idle worker sleeps: some tens of microseconds, enough to bridge the gaps between a token's products.</summary>
    private const int SpinRounds = 1000;

    private static readonly Dictionary<int, WorkerPool> Shared = new();

    private readonly object _gate = new(), _runLock = new();
    private IPoolJob? _job;
    // Each counter on its own cache line: idle workers poll the generation while the busy ones update the
    // claims and the done count, and sharing a line would make every update wait for the pollers.
    private PaddedLong _generation, _claims, _done; // _claims: generation << 32 | next item
    private int _items, _sleepers;

    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct PaddedLong
    {
        [FieldOffset(64)] public long Value;
    }

    /// <summary>Participants per job: the caller plus <c>Threads − 1</c> workers.</summary>
    public int Threads { get; }

    private WorkerPool(int threads)
    {
        Threads = threads;
        for (int i = 1; i < threads; i++)
        {
            int worker = i;
            new Thread(() => Work(worker)) { IsBackground = true, Name = $"sharplm-worker-{worker}" }.Start();
        }
    }

    /// <summary>The process-wide pool for a thread count (created on first use, kept for the process's life).</summary>
    public static WorkerPool For(int threads)
    {
        threads = Math.Max(1, threads);
        lock (Shared)
        {
            if (!Shared.TryGetValue(threads, out var pool)) Shared[threads] = pool = new WorkerPool(threads);
            return pool;
        }
    }

    /// <summary>Runs items 0..<paramref name="items"/>−1 of <paramref name="job"/> and returns when all are done. Callers on different threads take turns.</summary>
    public void Run(IPoolJob job, int items)
    {
        if (Threads == 1 || items <= 1)
        {
            for (int i = 0; i < items; i++) job.Execute(0, i);
            return;
        }
        lock (_runLock)
        {
            long generation = _generation.Value + 1;
            // Close the claims first: a worker still in the previous job between reading the claims word and
            // claiming from it would otherwise pair the old word with the new item count and run an item twice.
            Interlocked.Exchange(ref _claims.Value, (generation << 32) | int.MaxValue);
            _job = job;
            _items = items;
            _done.Value = 0;
            Interlocked.Exchange(ref _claims.Value, generation << 32); // publishes job, items and the reset count
            Interlocked.Exchange(ref _generation.Value, generation);   // full fence before the sleepers count is read
            if (Volatile.Read(ref _sleepers) > 0)
                lock (_gate) Monitor.PulseAll(_gate);
            Help(0, generation);
            // Busy-wait for items other threads hold: they finish within microseconds, and yielding the core
            // here (as SpinWait does after a few rounds) hands it to other processes for a whole time slice.
            while (Volatile.Read(ref _done.Value) < items) Thread.SpinWait(8);
        }
    }

    /// <summary>Claims and runs items of the job of <paramref name="generation"/> until none is left.</summary>
    private void Help(int worker, long generation)
    {
        while (true)
        {
            long claims = Volatile.Read(ref _claims.Value);
            if (claims >> 32 != generation) return; // a newer job: this one is finished
            int item = (int)(claims & 0xFFFFFFFF);
            if (item >= Volatile.Read(ref _items)) return;
            if (Interlocked.CompareExchange(ref _claims.Value, claims + 1, claims) != claims) continue;
            _job!.Execute(worker, item);
            Interlocked.Increment(ref _done.Value);
        }
    }

    private void Work(int worker)
    {
        long seen = 0;
        while (true)
        {
            long generation;
            int spins = 0;
            while ((generation = Volatile.Read(ref _generation.Value)) == seen)
            {
                if (++spins < SpinRounds)
                {
                    Thread.SpinWait(20);
                    continue;
                }
                lock (_gate)
                {
                    Interlocked.Increment(ref _sleepers); // full fence: the generation read below cannot move above it
                    while ((generation = Volatile.Read(ref _generation.Value)) == seen) Monitor.Wait(_gate);
                    Interlocked.Decrement(ref _sleepers);
                }
                break;
            }
            seen = generation;
            Help(worker, generation);
        }
    }
}
