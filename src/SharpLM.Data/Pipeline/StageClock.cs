using System.Diagnostics;

namespace SharpLM.Data.Pipeline;

/// <summary>Time spent per pipeline stage, summed over every worker thread (lock-free), for the per-stage throughput report.</summary>
public sealed class StageClock
{
    public static readonly string[] Stages = ["read", "learn_boilerplate", "clean", "filter", "contamination", "dedup_signature", "dedup_index", "pii", "write"];
    private readonly long[] _ticks = new long[Stages.Length];

    public readonly struct Lap(StageClock clock, int stage)
    {
        private readonly long _start = Stopwatch.GetTimestamp();
        public void Stop() => Interlocked.Add(ref clock._ticks[stage], Stopwatch.GetTimestamp() - _start);
    }

    public Lap Start(string stage)
    {
        int index = Array.IndexOf(Stages, stage);
        if (index < 0) throw new ArgumentException($"unknown stage '{stage}'.");
        return new Lap(this, index);
    }

    /// <summary>Seconds per stage since the last call, then resets.</summary>
    public Dictionary<string, double> TakeSeconds()
    {
        var seconds = new Dictionary<string, double>();
        for (int i = 0; i < Stages.Length; i++)
        {
            long ticks = Interlocked.Exchange(ref _ticks[i], 0);
            if (ticks > 0) seconds[Stages[i]] = ticks / (double)Stopwatch.Frequency;
        }
        return seconds;
    }
}
