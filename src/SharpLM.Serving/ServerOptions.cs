namespace SharpLM.Serving;

/// <summary>How a server runs; `sharplm serve` fills it from options, SHARPLM_* environment variables and appsettings.json.</summary>
public sealed record ServerOptions
{
    public required string ModelDirectory { get; init; }
    /// <summary>The model's name in the API (default: the folder's name).</summary>
    public string? ModelId { get; init; }
    /// <summary>More models behind the same server (`--model` given again); requests pick one by their "model" field.</summary>
    public IReadOnlyList<ModelSource> AdditionalModels { get; init; } = [];
    /// <summary>A PEFT adapter folder (LoRA or prompt tuning) applied to the default model as it loads; null for none.</summary>
    public string? Adapter { get; init; }
    public string Host { get; init; } = "127.0.0.1";
    /// <summary>0 picks a free port (see <see cref="SharpLMServer.Address"/>).</summary>
    public int Port { get; init; } = DefaultPort;

    public const int DefaultPort = 8080;
    /// <summary>Keys every route but /health requires; null serves without keys (only on loopback unless <see cref="AllowOpen"/>).</summary>
    public string? ApiKeyFile { get; init; }
    public bool AllowOpen { get; init; }
    /// <summary>Slots: sequences generated at once.</summary>
    public int Parallel { get; init; } = 4;
    public int Threads { get; init; } = Environment.ProcessorCount;
    /// <summary>Requests that may wait for a slot before the server answers 503.</summary>
    public int QueueCapacity { get; init; } = 64;
    public long MaxRequestBytes { get; init; } = 4 << 20;
    /// <summary>Requests per minute each key may start (0: unlimited).</summary>
    public int RequestsPerMinute { get; init; }
    /// <summary>Requests each key may have in flight at once (0: unlimited).</summary>
    public int ConcurrentPerKey { get; init; }
    /// <summary>Prompt plus generated tokens each key may use per minute (0: unlimited).</summary>
    public int TokensPerMinute { get; init; }
    /// <summary>Seconds a request may run before it is cancelled (504, or an error event ending a stream already under way; 0: no limit).</summary>
    public int RequestTimeoutSeconds { get; init; }
    /// <summary>
    /// Seconds a stopping server lets running requests finish; then it ends them: a stream with an error event
    /// (`code: "server_shutting_down"`), any other request with 503.
    /// </summary>
    public int ShutdownGraceSeconds { get; init; } = DefaultShutdownGraceSeconds;

    /// <summary>Within Kubernetes' default 30-second termination grace period, with room to end what is left.</summary>
    public const int DefaultShutdownGraceSeconds = 20;
    /// <summary>Where to send OpenTelemetry traces over OTLP (null: traces are not exported).</summary>
    public Uri? OtlpEndpoint { get; init; }
    /// <summary>Log prompt and completion text (off by default: they may hold personal data).</summary>
    public bool LogText { get; init; }
    /// <summary>The capture database (SQLite) that stores finished exchanges and feedback; null: nothing is stored and /v1/feedback answers 404.</summary>
    public string? CaptureDatabase { get; init; }
    /// <summary>Days captured rows are kept (older ones are deleted at start and hourly; 0: kept until deleted).</summary>
    public int CaptureRetentionDays { get; init; }

    /// <summary>Every model served, the default (<see cref="ModelDirectory"/>) first.</summary>
    public IReadOnlyList<ModelSource> Models => [new ModelSource(ModelDirectory, ModelId, Adapter), .. AdditionalModels];
    /// <summary>A guardrail policy file (docs/safety.md) the server applies to every completion; null runs none.</summary>
    public string? GuardrailsFile { get; init; }
    /// <summary>Memory for KV blocks shared by every slot (automatic prefix caching); 0 turns the shared cache off.</summary>
    public int PrefixCacheMegabytes { get; init; } = DefaultPrefixCacheMegabytes;

    public const int DefaultPrefixCacheMegabytes = 256;
    /// <summary>Retrieval indexes that chat requests may name in their "retrieval" field (`--rag NAME=rag.db`).</summary>
    public IReadOnlyList<Retrieval.RagCollectionSource> RagCollections { get; init; } = [];

    public void Validate()
    {
        void Require(bool ok, string message)
        {
            if (!ok) throw new Core.SharpLMException(message);
        }
        Require(Port is >= 0 and <= 65535, $"--port must be 0 to 65535 (got {Port}).");
        Require(Parallel is >= 1 and <= 256, $"--parallel must be 1 to 256 (got {Parallel}).");
        Require(Threads >= 1, $"--threads must be at least 1 (got {Threads}).");
        Require(QueueCapacity >= 0, $"--queue must not be negative (got {QueueCapacity}).");
        Require(RequestsPerMinute >= 0, $"--rate-limit must not be negative (got {RequestsPerMinute}).");
        Require(ConcurrentPerKey >= 0, $"--max-concurrent must not be negative (got {ConcurrentPerKey}).");
        Require(TokensPerMinute >= 0, $"--tokens-per-minute must not be negative (got {TokensPerMinute}).");
        Require(RequestTimeoutSeconds >= 0, $"--request-timeout must not be negative (got {RequestTimeoutSeconds}).");
        Require(ShutdownGraceSeconds is >= 0 and <= 86400, $"--shutdown-grace must be 0 to 86400 seconds (got {ShutdownGraceSeconds}).");
        Require(CaptureRetentionDays >= 0, $"--capture-retention-days must not be negative (got {CaptureRetentionDays}).");
        Require(CaptureRetentionDays == 0 || CaptureDatabase is not null, "--capture-retention-days needs --capture DB: there is nothing to retain without a capture database.");
        Require(PrefixCacheMegabytes is >= 0 and <= 1 << 20, $"--prefix-cache-mb must be 0 to 1048576 (got {PrefixCacheMegabytes}).");
        Require(MaxRequestBytes >= 1024, $"the request size limit must be at least 1024 bytes (got {MaxRequestBytes}).");
    }
}
