namespace SharpLM.Inference.Kernels;

/// <summary>A piece of work every participant of a <see cref="WorkerPool"/> runs once per <see cref="WorkerPool.Run"/>.</summary>
public interface IPoolJob
{
    /// <summary>Called once on each participant; <paramref name="worker"/> is 0 for the calling thread.</summary>
    void Execute(int worker);
}

/// <summary>
/// A fixed set of threads that run one job at a time together with the caller. Decoding issues a few hundred
/// short products per token (tens of microseconds each), so waking threads through the task scheduler would
/// cost as much as the work: the workers here spin on a generation counter for a short while after each job and
/// only then sleep on a monitor. Starting a job allocates nothing.
/// </summary>
public sealed class WorkerPool
{
    /// <summary>Spin iterations (each a short pause) before a worker goes to sleep: about a tenth of a millisecond.</summary>
    private const int SpinIterations = 2000;

    private static readonly Dictionary<int, WorkerPool> Shared = new();

    private readonly object _gate = new(), _runLock = new();
    private IPoolJob? _job;
    private long _generation;
    private int _pending, _sleepers;

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

    /// <summary>Runs <paramref name="job"/> on every participant and returns when all are done. Callers on different threads take turns.</summary>
    public void Run(IPoolJob job)
    {
        if (Threads == 1)
        {
            job.Execute(0);
            return;
        }
        lock (_runLock)
        {
            _job = job;
            Volatile.Write(ref _pending, Threads - 1);
            Interlocked.Increment(ref _generation); // full fence: publishes the job before the sleepers count is read
            if (Volatile.Read(ref _sleepers) > 0)
                lock (_gate) Monitor.PulseAll(_gate);
            job.Execute(0);
            var wait = new SpinWait();
            while (Volatile.Read(ref _pending) != 0) wait.SpinOnce(sleep1Threshold: -1);
            _job = null;
        }
    }

    private void Work(int worker)
    {
        long seen = 0;
        while (true)
        {
            long generation;
            int spins = 0;
            while ((generation = Volatile.Read(ref _generation)) == seen)
            {
                if (++spins < SpinIterations)
                {
                    Thread.SpinWait(30);
                    continue;
                }
                lock (_gate)
                {
                    Interlocked.Increment(ref _sleepers); // full fence: the generation read below cannot move above it
                    while ((generation = Volatile.Read(ref _generation)) == seen) Monitor.Wait(_gate);
                    Interlocked.Decrement(ref _sleepers);
                }
                break;
            }
            seen = generation;
            _job!.Execute(worker);
            Interlocked.Decrement(ref _pending);
        }
    }
}
