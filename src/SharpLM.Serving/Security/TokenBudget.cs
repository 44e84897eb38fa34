using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using SharpLM.Serving.Scheduling;

namespace SharpLM.Serving.Security;

/// <summary>
/// Per-key tokens per minute (per client address on a server without keys), counting prompt and generated tokens
/// as OpenAI's TPM limits do. A bucket holds up to a minute's tokens and refills continuously; a request is admitted
/// while its key's bucket is above zero and charged when it ends, so one large request may take the bucket below
/// zero and the key then waits until it refills (429 with Retry-After). A request's cost is unknown before it runs
/// (generation may stop early), which is why the charge comes after rather than as a reservation.
/// </summary>
public sealed class TokenBudget(int tokensPerMinute)
{
    private const string JobsKey = "sharplm.jobs";
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new();

    public bool Enabled => tokensPerMinute > 0;

    /// <summary>Whether <paramref name="partition"/> may start a request now; otherwise how long until its bucket is above zero.</summary>
    public TimeSpan? RetryAfter(string partition)
    {
        if (!Enabled) return null;
        var bucket = _buckets.GetOrAdd(partition, _ => new Bucket(tokensPerMinute));
        lock (bucket)
        {
            double level = bucket.Refill(tokensPerMinute);
            return level > 0 ? null : TimeSpan.FromMinutes((1 - level) / tokensPerMinute);
        }
    }

    /// <summary>Charges <paramref name="partition"/> the prompt and generated tokens of the request's jobs.</summary>
    public void Charge(string partition, HttpContext context)
    {
        if (!Enabled || context.Items[JobsKey] is not List<GenerationJob> jobs) return;
        long tokens = jobs.Sum(job => (long)job.Prompt.Count + job.GeneratedTokens);
        var bucket = _buckets.GetOrAdd(partition, _ => new Bucket(tokensPerMinute));
        lock (bucket)
        {
            bucket.Refill(tokensPerMinute);
            bucket.Level -= tokens;
        }
    }

    /// <summary>Remembers a job on its request, to be charged when the request ends.</summary>
    public static void Track(HttpContext context, GenerationJob job)
    {
        if (context.Items[JobsKey] is not List<GenerationJob> jobs) context.Items[JobsKey] = jobs = [];
        jobs.Add(job);
    }

    private sealed class Bucket(double level)
    {
        public double Level = level;
        private long _lastTicks = Stopwatch.GetTimestamp();

        public double Refill(int perMinute)
        {
            long now = Stopwatch.GetTimestamp();
            Level = Math.Min(perMinute, Level + Stopwatch.GetElapsedTime(_lastTicks, now).TotalMinutes * perMinute);
            _lastTicks = now;
            return Level;
        }
    }
}
