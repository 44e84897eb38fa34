using System.CommandLine;
using SharpLM.Cli.Terminal;
using SharpLM.Serving;

namespace SharpLM.Cli.Commands;

/// <summary>`sharplm serve`: the OpenAI-compatible server until Ctrl+C (or SIGTERM), then a graceful stop.</summary>
public static class ServeCommand
{
    /// <summary>An option whose default comes from a SHARPLM_* environment variable, as container deployments set them.</summary>
    private static Option<T> FromEnvironment<T>(string name, string variable, string description, T fallback, Func<string, T> parse) => new(name)
    {
        Description = $"{description} (environment: {variable})",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value ? parse(value) : fallback,
    };

    public static Command Create()
    {
        var model = FromEnvironment<string?>("--model", "SHARPLM_MODEL", "Model folder to serve", null, v => v);
        var modelId = FromEnvironment<string?>("--model-id", "SHARPLM_MODEL_ID", "The model's name in the API (default: the folder's name)", null, v => v);
        var host = FromEnvironment("--host", "SHARPLM_HOST", "Address to listen on", "127.0.0.1", v => v);
        var port = FromEnvironment("--port", "SHARPLM_PORT", "Port to listen on", 8080, ParseInt("SHARPLM_PORT"));
        var keys = FromEnvironment<string?>("--api-key-file", "SHARPLM_API_KEY_FILE", "File of API keys, one per line; every route but /health then needs one", null, v => v);
        var allowOpen = new Option<bool>("--allow-open") { Description = "Serve without keys on an address other machines reach." };
        var parallel = FromEnvironment("--parallel", "SHARPLM_PARALLEL", "Slots: sequences generated at once", 4, ParseInt("SHARPLM_PARALLEL"));
        var threads = FromEnvironment("--threads", "SHARPLM_THREADS", "Compute threads", Environment.ProcessorCount, ParseInt("SHARPLM_THREADS"));
        var queue = FromEnvironment("--queue", "SHARPLM_QUEUE", "Requests that may wait for a slot before the server answers 503", 64, ParseInt("SHARPLM_QUEUE"));
        var rateLimit = FromEnvironment("--rate-limit", "SHARPLM_RATE_LIMIT", "Requests per minute each API key may start; 0 is unlimited", 0, ParseInt("SHARPLM_RATE_LIMIT"));
        var maxConcurrent = FromEnvironment("--max-concurrent", "SHARPLM_MAX_CONCURRENT", "Requests each API key may have in flight; 0 is unlimited", 0, ParseInt("SHARPLM_MAX_CONCURRENT"));
        var logText = new Option<bool>("--log-text") { Description = "Log prompts and completions (off by default: they may hold personal data)." };
        var command = new Command("serve", "Serve a model over the OpenAI HTTP API (chat and completions, streaming, n, logprobs, JSON schema output) with continuous batching, API keys and Prometheus metrics.")
            { model, modelId, host, port, keys, allowOpen, parallel, threads, queue, rateLimit, maxConcurrent, logText };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var options = new ServerOptions
            {
                ModelDirectory = parse.GetValue(model) ?? throw new Core.SharpLMException("give --model (or SHARPLM_MODEL): the model folder to serve."),
                ModelId = parse.GetValue(modelId), Host = parse.GetValue(host)!, Port = parse.GetValue(port), ApiKeyFile = parse.GetValue(keys),
                AllowOpen = parse.GetValue(allowOpen), Parallel = parse.GetValue(parallel), Threads = parse.GetValue(threads),
                QueueCapacity = parse.GetValue(queue), RequestsPerMinute = parse.GetValue(rateLimit), ConcurrentPerKey = parse.GetValue(maxConcurrent),
                LogText = parse.GetValue(logText),
            };
            Serve(options).GetAwaiter().GetResult();
            return 0;
        }));
        return command;
    }

    private static Func<string, int> ParseInt(string variable) => value =>
        int.TryParse(value, out int parsed) ? parsed : throw new Core.SharpLMException($"environment variable {variable}: '{value}' is not an integer.");

    private static async Task Serve(ServerOptions options)
    {
        await using var server = await SharpLMServer.StartAsync(options);
        Display.Info($"listening on {server.Address} (loading {options.ModelDirectory}; /health answers 200 when ready); Ctrl+C stops");
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        using var termination = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        try
        {
            await server.Ready;
            Display.Info($"ready: model {options.ModelId ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(options.ModelDirectory)))}, {options.Parallel} slots");
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            Display.Info("stopping: running requests finish first");
        }
    }
}
