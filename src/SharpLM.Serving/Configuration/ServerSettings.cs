using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace SharpLM.Serving.Configuration;

/// <summary>
/// Where a server's settings come from, lowest precedence first: built-in defaults, the "Serve" section of
/// appsettings.json (the file given with --config, else the working directory's appsettings.json when there is
/// one; read with Microsoft.Extensions.Configuration, as ASP.NET Core reads it), SHARPLM_* environment variables,
/// then command-line options. Each value that fails to parse is refused naming where it came from.
/// </summary>
public static class ServerSettings
{
    /// <summary>One setting: its key in the "Serve" section, its environment variable and its command-line option.</summary>
    public sealed record Setting(string Key, string Variable, string Option);

    public static readonly Setting Model = new("Model", "SHARPLM_MODEL", "--model");
    public static readonly Setting ModelId = new("ModelId", "SHARPLM_MODEL_ID", "--model-id");
    public static readonly Setting Host = new("Host", "SHARPLM_HOST", "--host");
    public static readonly Setting Port = new("Port", "SHARPLM_PORT", "--port");
    public static readonly Setting ApiKeyFile = new("ApiKeyFile", "SHARPLM_API_KEY_FILE", "--api-key-file");
    public static readonly Setting AllowOpen = new("AllowOpen", "SHARPLM_ALLOW_OPEN", "--allow-open");
    public static readonly Setting Parallel = new("Parallel", "SHARPLM_PARALLEL", "--parallel");
    public static readonly Setting Threads = new("Threads", "SHARPLM_THREADS", "--threads");
    public static readonly Setting Queue = new("Queue", "SHARPLM_QUEUE", "--queue");
    public static readonly Setting RateLimit = new("RateLimit", "SHARPLM_RATE_LIMIT", "--rate-limit");
    public static readonly Setting MaxConcurrent = new("MaxConcurrent", "SHARPLM_MAX_CONCURRENT", "--max-concurrent");
    public static readonly Setting TokensPerMinute = new("TokensPerMinute", "SHARPLM_TOKENS_PER_MINUTE", "--tokens-per-minute");
    public static readonly Setting RequestTimeout = new("RequestTimeout", "SHARPLM_REQUEST_TIMEOUT", "--request-timeout");
    public static readonly Setting ShutdownGrace = new("ShutdownGrace", "SHARPLM_SHUTDOWN_GRACE", "--shutdown-grace");
    public static readonly Setting OtlpEndpoint = new("OtlpEndpoint", "OTEL_EXPORTER_OTLP_ENDPOINT", "--otlp-endpoint");
    public static readonly Setting LogText = new("LogText", "SHARPLM_LOG_TEXT", "--log-text");
    public static readonly Setting Capture = new("Capture", "SHARPLM_CAPTURE", "--capture");
    public static readonly Setting CaptureRetentionDays = new("CaptureRetentionDays", "SHARPLM_CAPTURE_RETENTION_DAYS", "--capture-retention-days");
    public static readonly Setting Guardrails = new("Guardrails", "SHARPLM_GUARDRAILS", "--guardrails");
    public static readonly Setting PrefixCacheMb = new("PrefixCacheMb", "SHARPLM_PREFIX_CACHE_MB", "--prefix-cache-mb");

    /// <summary>
    /// The options: <paramref name="commandLine"/> holds the options given on the command line (by setting),
    /// <paramref name="environment"/> the process environment (null: the real one).
    /// </summary>
    public static ServerOptions Load(string? configFile, IReadOnlyDictionary<Setting, string> commandLine, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var file = ReadFile(configFile);
        string source = configFile ?? "appsettings.json";
        (string Value, string From)? Find(Setting setting)
        {
            if (commandLine.TryGetValue(setting, out var given)) return (given, setting.Option);
            if (environment(setting.Variable) is { Length: > 0 } variable) return (variable, $"environment variable {setting.Variable}");
            if (file?[setting.Key] is { } configured) return (configured, $"{source}: Serve:{setting.Key}");
            return null;
        }
        string? Text(Setting setting) => Find(setting)?.Value;
        int Integer(Setting setting, int fallback) => Find(setting) is { } found
            ? int.TryParse(found.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value
                : throw new Core.SharpLMException($"{found.From}: '{found.Value}' is not an integer.")
            : fallback;
        bool Flag(Setting setting) => Find(setting) is { } found
            && (bool.TryParse(found.Value, out bool value) ? value : throw new Core.SharpLMException($"{found.From}: '{found.Value}' is not true or false."));

        Uri? otlp = null;
        if (Find(OtlpEndpoint) is { } endpoint && !Uri.TryCreate(endpoint.Value, UriKind.Absolute, out otlp))
            throw new Core.SharpLMException($"{endpoint.From}: '{endpoint.Value}' is not an absolute URL.");
        return new ServerOptions
        {
            ModelDirectory = Text(Model) ?? throw new Core.SharpLMException($"give --model (or SHARPLM_MODEL, or Serve:Model in {source}): the model folder to serve."),
            ModelId = Text(ModelId),
            Host = Text(Host) ?? "127.0.0.1",
            Port = Integer(Port, 8080),
            ApiKeyFile = Text(ApiKeyFile),
            AllowOpen = Flag(AllowOpen),
            Parallel = Integer(Parallel, 4),
            Threads = Integer(Threads, Environment.ProcessorCount),
            QueueCapacity = Integer(Queue, 64),
            RequestsPerMinute = Integer(RateLimit, 0),
            ConcurrentPerKey = Integer(MaxConcurrent, 0),
            TokensPerMinute = Integer(TokensPerMinute, 0),
            RequestTimeoutSeconds = Integer(RequestTimeout, 0),
            ShutdownGraceSeconds = Integer(ShutdownGrace, ServerOptions.DefaultShutdownGraceSeconds),
            OtlpEndpoint = otlp,
            LogText = Flag(LogText),
            CaptureDatabase = Text(Capture),
            CaptureRetentionDays = Integer(CaptureRetentionDays, 0),
            GuardrailsFile = Text(Guardrails),
            PrefixCacheMegabytes = Integer(PrefixCacheMb, ServerOptions.DefaultPrefixCacheMegabytes),
        };
    }

    /// <summary>The "Serve" section of the settings file, or null when no file was given and the working directory has none.</summary>
    private static IConfigurationSection? ReadFile(string? configFile)
    {
        string path = configFile ?? Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json");
        if (configFile is not null) Core.IO.InputFiles.RequireFile(configFile, "settings");
        else if (!File.Exists(path)) return null;
        try
        {
            return new ConfigurationBuilder().AddJsonFile(Path.GetFullPath(path), optional: false, reloadOnChange: false).Build().GetSection("Serve");
        }
        catch (InvalidDataException e)
        {
            throw new Core.SharpLMException($"{configFile ?? "appsettings.json"}: not valid JSON ({e.InnerException?.Message ?? e.Message}).");
        }
    }
}
