using Prometheus;

namespace SharpLM.Serving.Telemetry;

/// <summary>
/// The server's Prometheus metrics, with vLLM's meanings under a "sharplm_" prefix so dashboards built for vLLM port
/// over by renaming the prefix. Each server has its own registry (several servers may run in one process, as in tests).
/// </summary>
public sealed class ServerMetrics
{
    private static readonly double[] LatencyBuckets = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80];
    private static readonly double[] TokenBuckets = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];

    public CollectorRegistry Registry { get; }

    public Gauge RequestsRunning { get; }
    public Gauge RequestsWaiting { get; }
    public Gauge KvCacheUsage { get; }
    public Counter PrefixCacheQueries { get; }
    public Counter PrefixCacheHits { get; }
    public Gauge PrefixCacheUsage { get; }
    public Counter PromptTokens { get; }
    public Counter GenerationTokens { get; }
    public Counter RequestSuccess { get; }
    public Histogram TimeToFirstToken { get; }
    public Histogram InterTokenLatency { get; }
    public Histogram EndToEndLatency { get; }
    public Histogram QueueTime { get; }
    public Histogram RequestPromptTokens { get; }
    public Histogram RequestGenerationTokens { get; }
    public Counter GuardrailBlocks { get; }
    public Counter GuardrailRedactions { get; }

    /// <param name="registry">Shared by the models of one server, their series told apart by model_name (default: a registry of its own).</param>
    public ServerMetrics(string modelName, CollectorRegistry? registry = null)
    {
        Registry = registry ?? Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(Registry).WithLabels(new Dictionary<string, string> { ["model_name"] = modelName });
        RequestsRunning = factory.CreateGauge("sharplm_num_requests_running", "Requests with sequences in slots.");
        RequestsWaiting = factory.CreateGauge("sharplm_num_requests_waiting", "Requests queued for a slot.");
        KvCacheUsage = factory.CreateGauge("sharplm_kv_cache_usage_perc", "Fraction of the slots' KV cache positions in use by running requests (0 to 1).");
        PrefixCacheQueries = factory.CreateCounter("sharplm_prefix_cache_queries", "Prompt tokens looked up in the slots' caches.");
        PrefixCacheHits = factory.CreateCounter("sharplm_prefix_cache_hits", "Prompt tokens found in a slot's cache or the shared prefix blocks and not computed again.");
        PrefixCacheUsage = factory.CreateGauge("sharplm_prefix_cache_usage_perc", "Fraction of the shared prefix cache's memory budget holding blocks (0 to 1).");
        PromptTokens = factory.CreateCounter("sharplm_prompt_tokens_total", "Prompt tokens of admitted requests.");
        GenerationTokens = factory.CreateCounter("sharplm_generation_tokens_total", "Tokens generated.");
        RequestSuccess = factory.CreateCounter("sharplm_request_success_total", "Finished requests by finish reason.", ["finished_reason"]);
        TimeToFirstToken = Histogram("sharplm_time_to_first_token_seconds", "From arrival to the first generated token.", LatencyBuckets);
        InterTokenLatency = Histogram("sharplm_inter_token_latency_seconds", "Between consecutive generated tokens of a request.", LatencyBuckets);
        EndToEndLatency = Histogram("sharplm_e2e_request_latency_seconds", "From arrival to the last token.", LatencyBuckets);
        QueueTime = Histogram("sharplm_request_queue_time_seconds", "From arrival to admission into slots.", LatencyBuckets);
        RequestPromptTokens = Histogram("sharplm_request_prompt_tokens", "Prompt length of finished requests.", TokenBuckets);
        RequestGenerationTokens = Histogram("sharplm_request_generation_tokens", "Generated tokens of finished requests.", TokenBuckets);
        GuardrailBlocks = factory.CreateCounter("sharplm_guardrail_blocks_total", "Choices answered with the guardrail policy's refusal, by the check's stage (input, output) and category.", ["stage", "category"]);
        GuardrailRedactions = factory.CreateCounter("sharplm_guardrail_redactions_total", "Choices whose output had personal data replaced by the guardrail policy.");

        Histogram Histogram(string name, string help, double[] buckets) =>
            factory.CreateHistogram(name, help, new HistogramConfiguration { Buckets = buckets });
    }
}
