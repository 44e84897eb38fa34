using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Trace;
using Prometheus;
using SharpLM.Serving.Api;
using SharpLM.Serving.Scheduling;
using SharpLM.Serving.Security;
using SharpLM.Serving.Telemetry;

namespace SharpLM.Serving;

/// <summary>
/// The OpenAI-compatible server: ASP.NET Core routes over a <see cref="Scheduler"/> per served model. It listens at once and
/// loads the models in the background (/health answers 503 until they are ready); every route but /health and the
/// web page's files requires an API key when keys are configured.
/// </summary>
public sealed class SharpLMServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ServerOptions _options;
    private readonly ApiKeys? _keys;
    private readonly KeyLimits _limits;
    private readonly TokenBudget _tokens;
    private readonly ILogger _log;
    private readonly Task _loading;
    private ServedModels? _models;
    private volatile bool _stopping;
    private readonly Capture.ExchangeCapture? _capture;
    private IReadOnlyDictionary<string, Guardrails.ServingGuardrails>? _guardrails;
    private readonly Retrieval.ServedCollections _collections;

    private SharpLMServer(WebApplication app, ServerOptions options, ApiKeys? keys, Retrieval.ServedCollections collections)
    {
        _collections = collections;
        _capture = Capture.ExchangeCapture.Open(options, app.Logger);
        _app = app;
        _options = options;
        _keys = keys;
        _limits = new KeyLimits(options.RequestsPerMinute, options.ConcurrentPerKey);
        _tokens = new TokenBudget(options.TokensPerMinute);
        _log = app.Logger;
        _loading = Task.Run(Load);
    }

    /// <summary>The address the server listens on (with the port it picked when asked for port 0).</summary>
    public Uri Address => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    /// <summary>Completes when the model is loaded (or throws its loading error).</summary>
    public Task Ready => _loading;

    /// <summary>The first (default) model's scheduler, once loaded.</summary>
    public Scheduler? Scheduler => _models?.First.Scheduler;

    /// <param name="tracing">Adds to the OpenTelemetry tracing setup (an exporter of the caller's, as tests add an in-memory one).</param>
    public static async Task<SharpLMServer> StartAsync(ServerOptions options, Action<ILoggingBuilder>? logging = null, Action<TracerProviderBuilder>? tracing = null)
    {
        options.Validate();
        var keys = options.ApiKeyFile is null ? null : ApiKeys.Load(options.ApiKeyFile);
        bool loopback = options.Host is "localhost" || (IPAddress.TryParse(options.Host, out var address) && IPAddress.IsLoopback(address));
        if (keys is null && !loopback && !options.AllowOpen)
            throw new Core.SharpLMException($"--host {options.Host} is reachable from other machines: give --api-key-file, or --allow-open to serve without keys.");
        foreach (var source in options.Models) Core.IO.InputFiles.RequireDirectory(source.Directory, "model");
        ServedModels.RequireDistinctNames(options.Models);
        if (options.GuardrailsFile is { } policy) Safety.Guardrails.GuardrailPolicyFile.Load(policy); // a mistake in it stops the start
        var collections = Retrieval.ServedCollections.Open(options.RagCollections); // so does a missing index

        var builder = WebApplication.CreateSlimBuilder();
        // The host's own limit on a stop comes after the grace, leaving time for the ended requests' last words.
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(options.ShutdownGraceSeconds + 10));
        builder.Logging.ClearProviders();
        if (logging is null) builder.Logging.AddSimpleConsole(o => o.SingleLine = true); else logging(builder.Logging);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBytes;
            if (loopback && options.Host == "localhost") kestrel.ListenLocalhost(options.Port);
            else kestrel.Listen(IPAddress.Parse(options.Host), options.Port);
        });
        // Traces: ASP.NET Core's span per request, with the scheduler's queue wait, prefill and decode spans under it.
        builder.Services.AddOpenTelemetry().WithTracing(traces =>
        {
            traces.AddSource(RequestTracing.SourceName).AddAspNetCoreInstrumentation();
            if (options.OtlpEndpoint is { } endpoint) traces.AddOtlpExporter(otlp => otlp.Endpoint = endpoint);
            tracing?.Invoke(traces);
        });
        var app = builder.Build();
        var server = new SharpLMServer(app, options, keys, collections);
        server.MapRoutes();
        await app.StartAsync();
        return server;
    }

    private void Load()
    {
        var models = ServedModels.Load(_options.Models, _options,
            model => _log.LogInformation("model {Model} ready: {Slots} slots, context {Context}", model.Id, model.Slots, model.MaxContext));
        // One policy for the whole server (a guard model loads once); each model counts its blocks under its own name.
        if (_options.GuardrailsFile is { } policy)
        {
            var shared = Guardrails.ServingGuardrails.Load(policy, _options.Threads, models.First.Metrics, _log);
            _guardrails = models.Entries.ToDictionary(e => e.Model.Id, e => shared.CountingIn(e.Metrics), StringComparer.Ordinal);
        }
        _models = models;
    }

    private void MapRoutes()
    {
        Web.ChatPage.Serve(_app); // the page holds no secret, so it is served before the key check
        _app.Use(async (context, next) =>
        {
            if (context.Request.Path == "/health")
            {
                await next(context);
                return;
            }
            string? key = BearerKey(context.Request);
            if (_keys is not null && (key is null || !_keys.Accepts(key)))
            {
                await new RequestError(401, "Invalid API key: send 'Authorization: Bearer <key>' with a key from the server's key file.",
                    type: "invalid_request_error", code: "invalid_api_key").WriteAsync(context);
                return;
            }
            // Limits apply per key (by its fingerprint, never the key), or per client address on a server without keys.
            string partition = _keys is not null ? ApiKeys.Fingerprint(key!) : context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
            var (lease, retryAfter) = _limits.TryAcquire(partition);
            if (lease is null)
            {
                await RateLimited(context, retryAfter!.Value, "requests");
                return;
            }
            using (lease)
            {
                if (_tokens.RetryAfter(partition) is { } wait)
                {
                    await RateLimited(context, wait, "tokens");
                    return;
                }
                try
                {
                    await next(context);
                }
                finally
                {
                    _tokens.Charge(partition, context);
                }
            }
        });

        _app.MapGet("/health", async context =>
        {
            if (_models is null)
            {
                context.Response.StatusCode = 503;
                await context.Response.WriteAsync(RequestError.Json(_loading.IsFaulted ? "the model failed to load." : "Loading model", "unavailable_error"));
                return;
            }
            await context.Response.WriteAsJsonAsync(new Dictionary<string, string> { ["status"] = "ok" });
        });
        _app.MapGet("/v1/models", context => Handle(context, readBody: false, (_, _, _) => WriteJsonAsync(context, ResponseJson.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("object", "list");
            w.WriteStartArray("data");
            foreach (var model in _models!.Entries.Select(e => e.Model))
            {
                w.WriteStartObject();
                w.WriteString("id", model.Id);
                w.WriteString("object", "model");
                w.WriteNumber("created", model.Created);
                w.WriteString("owned_by", "sharplm");
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }))));
        _app.MapPost("/v1/chat/completions", context => Handle(context, readBody: true, (fields, model, scheduler) => ChatCompletionsEndpoint.HandleAsync(context, fields!, model, scheduler, _guardrails?[model.Id], _capture, _collections)));
        _app.MapPost("/v1/completions", context => Handle(context, readBody: true, (fields, model, scheduler) => CompletionsEndpoint.HandleAsync(context, fields!, model, scheduler, _guardrails?[model.Id], _capture)));
        _app.MapPost("/v1/embeddings", context => Handle(context, readBody: true, (fields, model, _) => EmbeddingsEndpoint.HandleAsync(context, fields!, model)));
        _app.MapPost("/tokenize", context => Handle(context, readBody: true, (fields, model, _) => TokenizeEndpoints.TokenizeAsync(context, fields!, model)));
        _app.MapPost("/detokenize", context => Handle(context, readBody: true, (fields, model, _) => TokenizeEndpoints.DetokenizeAsync(context, fields!, model)));
        _app.MapGet("/metrics", context => Handle(context, readBody: false, async (_, _, _) =>
        {
            context.Response.ContentType = "text/plain; version=0.0.4";
            await _models!.Registry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted);
        }));
        FeedbackEndpoints.Map(_app, _capture, _options.MaxRequestBytes, _log);
    }

    /// <summary>429 with Retry-After; <paramref name="limit"/> is OpenAI's error type for the limit reached ("requests" or "tokens").</summary>
    private static Task RateLimited(HttpContext context, TimeSpan retryAfter, string limit)
    {
        context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new RequestError(429, $"Rate limit reached for this API key ({limit} per minute); retry after the time in the Retry-After header.",
            type: limit, code: "rate_limit_exceeded").WriteAsync(context);
    }

    /// <summary>A JSON answer with its content type (clients such as the openai npm package parse only what is labelled JSON).</summary>
    private static Task WriteJsonAsync(HttpContext context, string json)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(json);
    }

    private static string? BearerKey(HttpRequest request)
    {
        string? header = request.Headers.Authorization;
        const string Bearer = "Bearer ";
        return header is not null && header.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase) ? header[Bearer.Length..].Trim() : null;
    }

    /// <summary>Runs a route: 503 while loading, the body read and parsed, errors turned into OpenAI-shaped answers.</summary>
    private async Task Handle(HttpContext context, bool readBody, Func<JsonFields?, ServedModel, Scheduler, Task> route)
    {
        // The request's own deadline: cancelling RequestAborted frees its slots as a departed client's would.
        var clientGone = context.RequestAborted;
        using var deadline = _options.RequestTimeoutSeconds > 0 ? CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted) : null;
        if (deadline is not null)
        {
            deadline.CancelAfter(TimeSpan.FromSeconds(_options.RequestTimeoutSeconds));
            context.RequestAborted = deadline.Token;
        }
        try
        {
            if (_models is null) throw new RequestError(503, "the model is still loading; retry when /health answers 200.", type: "unavailable_error");
            JsonFields? fields = null;
            if (readBody)
            {
                // Refused before reading, so a client that waits for "100 Continue" never sends the body at all.
                if (context.Request.ContentLength > _options.MaxRequestBytes) throw new BadHttpRequestException("request body too large", 413);
                using var buffer = new MemoryStream();
                await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
                fields = JsonFields.Parse(buffer.ToArray());
            }
            var (model, scheduler, _) = _models.Resolve(fields);
            await route(fields, model, scheduler);
        }
        catch (RequestError error) when (!context.Response.HasStarted)
        {
            _log.LogInformation("{Method} {Path}: {Status} {Param}", context.Request.Method, context.Request.Path, error.Status, error.Param);
            await error.WriteAsync(context);
        }
        catch (BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            await new RequestError(e.StatusCode, e.StatusCode == 413 ? $"the request body is larger than the server's limit of {_options.MaxRequestBytes} bytes." : e.Message).WriteAsync(context);
        }
        catch (OperationCanceledException) when (deadline is { IsCancellationRequested: true } && !clientGone.IsCancellationRequested)
        {
            var timeout = new RequestError(504, $"the request ran longer than the server's limit of {_options.RequestTimeoutSeconds} seconds.", type: "timeout", code: "request_timeout");
            if (!context.Response.HasStarted) await timeout.WriteAsync(context);
            else if (ServerSentEvents.IsStream(context.Response)) await ServerSentEvents.ErrorAsync(context.Response, timeout, clientGone);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            _log.LogInformation("{Method} {Path}: client went away", context.Request.Method, context.Request.Path);
        }
        catch (Exception e) when (ServerSentEvents.IsStream(context.Response))
        {
            // The status line has gone: the stream's last event says why it ends.
            if (!_stopping) _log.LogError(e, "{Method} {Path} failed while streaming", context.Request.Method, context.Request.Path);
            await ServerSentEvents.ErrorAsync(context.Response, _stopping ? ShuttingDown() : new RequestError(500, "the server failed while generating this answer.", type: "server_error"),
                clientGone);
        }
        catch (Exception) when (_stopping && !context.Response.HasStarted)
        {
            await ShuttingDown().WriteAsync(context);
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            _log.LogError(e, "{Method} {Path} failed", context.Request.Method, context.Request.Path);
            await new RequestError(500, "the server failed to complete the request.", type: "server_error").WriteAsync(context);
        }
    }

    private static RequestError ShuttingDown() =>
        new(503, "the server is shutting down: this request was ended unfinished; send it again (to another replica, or once this one is back).",
            type: "unavailable_error", code: "server_shutting_down");

    /// <summary>
    /// Stops taking connections and lets the running requests finish for the shutdown grace; then ends what is still
    /// running (streams with an error event, other requests with 503) rather than cutting connections.
    /// </summary>
    public async Task StopAsync()
    {
        _stopping = true;
        var stopped = _app.StopAsync();
        if (await Task.WhenAny(stopped, Task.Delay(TimeSpan.FromSeconds(_options.ShutdownGraceSeconds))) != stopped)
        {
            _log.LogWarning("requests still running after the {Grace}-second shutdown grace are being ended", _options.ShutdownGraceSeconds);
            _models?.Dispose(); // each scheduler fails its jobs, and their requests answer as above
        }
        await stopped;
        _models?.Dispose();
        _limits.Dispose();
        _capture?.Dispose();
        _collections.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
    }
}
