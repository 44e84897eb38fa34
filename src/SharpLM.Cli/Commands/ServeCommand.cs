using System.CommandLine;
using SharpLM.Cli.Terminal;
using SharpLM.Serving;
using SharpLM.Serving.Configuration;

namespace SharpLM.Cli.Commands;

/// <summary>`sharplm serve`: the OpenAI-compatible server until Ctrl+C (or SIGTERM), then a graceful stop.</summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config") { Description = "Settings file (JSON, its \"Serve\" section; default: ./appsettings.json when present). Precedence: options, then SHARPLM_* environment variables, then the file" };
        var settings = new (ServerSettings.Setting Setting, string Description)[]
        {
            (ServerSettings.ModelId, "The model's name in the API (default: the folder's name)"),
            (ServerSettings.Host, "Address to listen on (default 127.0.0.1)"),
            (ServerSettings.Port, "Port to listen on (default 8080; 0 picks a free one)"),
            (ServerSettings.ApiKeyFile, "File of API keys, one per line; every route but /health then needs one"),
            (ServerSettings.Parallel, "Slots: sequences generated at once (default 4)"),
            (ServerSettings.Threads, "Compute threads (default: all cores)"),
            (ServerSettings.Queue, "Requests that may wait for a slot before the server answers 503 (default 64)"),
            (ServerSettings.RateLimit, "Requests per minute each API key may start; 0 is unlimited"),
            (ServerSettings.MaxConcurrent, "Requests each API key may have in flight; 0 is unlimited"),
            (ServerSettings.TokensPerMinute, "Prompt plus generated tokens each API key may use per minute; 0 is unlimited"),
            (ServerSettings.RequestTimeout, "Seconds a request may run before it is cancelled (504, or an error event ending a stream); 0 is no limit"),
            (ServerSettings.ShutdownGrace, $"Seconds a stop (Ctrl+C, SIGTERM) lets running requests finish before ending them: streams with an error event, others with 503 (default {ServerOptions.DefaultShutdownGraceSeconds})"),
            (ServerSettings.OtlpEndpoint, "Send OpenTelemetry traces over OTLP to this URL"),
            (ServerSettings.Capture, "Capture database (SQLite): store finished exchanges and accept POST /v1/feedback; texts are scrubbed of personal data first"),
            (ServerSettings.CaptureRetentionDays, "Days captured rows are kept (deleted at start and hourly); 0 keeps them until deleted"),
            (ServerSettings.Guardrails, "Guardrail policy file (JSON, or YAML for .yaml/.yml): input and output checks, tool allowlist, PII redaction"),
            (ServerSettings.PrefixCacheMb, $"Megabytes of KV blocks shared by every slot (prefix caching; default {ServerOptions.DefaultPrefixCacheMegabytes}); 0 turns it off"),
        };
        var valued = settings.Select(s => (s.Setting, Option: new Option<string?>(s.Setting.Option) { Description = $"{s.Description} (environment: {s.Setting.Variable})" })).ToList();
        var models = new Option<string[]>(ServerSettings.Model.Option)
        {
            Description = $"Model folder to serve, as DIR or NAME=DIR; repeat it to serve several, requests choosing by their \"model\" field (the first is the default; environment: {ServerSettings.Model.Variable})",
        };
        var allowOpen = new Option<bool>("--allow-open") { Description = "Serve without keys on an address other machines reach." };
        var logText = new Option<bool>("--log-text") { Description = "Log prompts and completions (off by default: they may hold personal data)." };
        var adapter = AdapterOption.Create();
        adapter.Description += " Applies to the first --model.";
        var rag = new Option<string[]>("--rag") { Description = "A retrieval index as NAME=DB (DB as rag index --db takes it: a SQLite file or a PostgreSQL URI or connection string) that chat requests name in their \"retrieval\" field; repeat it for several." };
        var command = new Command("serve", "Serve a model over the OpenAI HTTP API (chat and completions, streaming, n, logprobs, JSON schema output, tools) with continuous batching, API keys, rate limits, Prometheus metrics and OpenTelemetry traces.")
            { config, models, allowOpen, logText, rag, adapter };
        foreach (var (_, option) in valued) command.Options.Add(option);
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var given = new Dictionary<ServerSettings.Setting, string>();
            foreach (var (setting, option) in valued)
                if (parse.GetValue(option) is { } value) given[setting] = value;
            if (parse.GetValue(allowOpen)) given[ServerSettings.AllowOpen] = "true";
            if (parse.GetValue(logText)) given[ServerSettings.LogText] = "true";
            var sources = (parse.GetValue(models) ?? []).Select(ModelSource.Parse).ToList();
            if (sources.Count > 0)
            {
                given[ServerSettings.Model] = sources[0].Directory;
                if (sources[0].Id is { } name)
                    given[ServerSettings.ModelId] = given.ContainsKey(ServerSettings.ModelId)
                        ? throw new Core.SharpLMException("--model-id and --model NAME=DIR both name the first model; give one of them.")
                        : name;
            }
            var options = ServerSettings.Load(parse.GetValue(config), given) with
            {
                AdditionalModels = sources.Skip(1).ToList(),
                Adapter = parse.GetValue(adapter),
                RagCollections = (parse.GetValue(rag) ?? []).Select(Serving.Retrieval.RagCollectionSource.Parse).ToList(),
            };
            Serve(options).GetAwaiter().GetResult();
            return 0;
        }));
        return command;
    }

    private static async Task Serve(ServerOptions options)
    {
        await using var server = await SharpLMServer.StartAsync(options);
        Display.Info($"listening on {server.Address} (loading {string.Join(", ", options.Models.Select(m => m.Directory))}; /health answers 200 when ready; the chat page is at /); Ctrl+C stops");
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
            Display.Info($"ready: {(options.Models.Count == 1 ? "model" : "models")} {string.Join(", ", options.Models.Select(m => m.ApiId))}, {options.Parallel} slots each");
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            Display.Info($"stopping: running requests have {options.ShutdownGraceSeconds} s to finish");
        }
    }
}
