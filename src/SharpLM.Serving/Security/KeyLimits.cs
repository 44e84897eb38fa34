using System.Threading.RateLimiting;

namespace SharpLM.Serving.Security;

/// <summary>
/// Per-key limits (per client address when the server has no keys): a token bucket of requests per minute and a
/// cap on requests in flight, from System.Threading.RateLimiting. A refused request gets 429 with Retry-After.
/// </summary>
public sealed class KeyLimits : IDisposable
{
    private readonly PartitionedRateLimiter<string>? _limiter;

    /// <param name="requestsPerMinute">0: no rate limit.</param>
    /// <param name="concurrent">0: no cap on requests in flight.</param>
    public KeyLimits(int requestsPerMinute, int concurrent)
    {
        var limiters = new List<PartitionedRateLimiter<string>>();
        if (requestsPerMinute > 0)
            limiters.Add(PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = requestsPerMinute, TokensPerPeriod = requestsPerMinute, ReplenishmentPeriod = TimeSpan.FromMinutes(1),
                QueueLimit = 0, AutoReplenishment = true,
            })));
        if (concurrent > 0)
            limiters.Add(PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetConcurrencyLimiter(key, _ => new ConcurrencyLimiterOptions
            {
                PermitLimit = concurrent, QueueLimit = 0,
            })));
        _limiter = limiters.Count switch { 0 => null, 1 => limiters[0], _ => PartitionedRateLimiter.CreateChained([.. limiters]) };
    }

    /// <summary>A lease to hold while the request runs, or null with how long to wait when the key is over a limit.</summary>
    public (IDisposable? Lease, TimeSpan? RetryAfter) TryAcquire(string partition)
    {
        if (_limiter is null) return (NoLease.Instance, null);
        var lease = _limiter.AttemptAcquire(partition);
        if (lease.IsAcquired) return (lease, null);
        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        lease.Dispose();
        return (null, retryAfter);
    }

    public void Dispose() => _limiter?.Dispose();

    private sealed class NoLease : IDisposable
    {
        public static readonly NoLease Instance = new();
        public void Dispose() { }
    }
}
