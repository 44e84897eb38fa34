using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using SharpLM.Feedback.Capture;
using SharpLM.Serving.Api;
using SharpLM.Serving.Security;

namespace SharpLM.Serving.Capture;

/// <summary>
/// The server's side of `--capture DB`: who sent a request (key fingerprint, user id), which conversation it belongs
/// to, and the store the finished exchange and feedback go to. With a retention window, rows older than it are
/// deleted when the server starts and then every hour.
/// </summary>
public sealed class ExchangeCapture : IDisposable
{
    /// <summary>Groups exchanges into one conversation; absent, each exchange is a conversation of its own, named by the response id.</summary>
    public const string ConversationHeader = "X-SharpLM-Conversation";
    /// <summary>The caller's user id, when OpenAI's "user" field is not sent.</summary>
    public const string UserHeader = "X-SharpLM-User";

    private readonly ILogger _log;
    private readonly int _retentionDays;
    private readonly Timer? _retention;

    public CaptureStore Store { get; }

    private ExchangeCapture(CaptureStore store, int retentionDays, ILogger log)
    {
        Store = store;
        _retentionDays = retentionDays;
        _log = log;
        if (retentionDays > 0)
        {
            ApplyRetention();
            _retention = new Timer(_ => ApplyRetention(), null, TimeSpan.FromHours(1), TimeSpan.FromHours(1));
        }
    }

    public static ExchangeCapture? Open(ServerOptions options, ILogger log) =>
        options.CaptureDatabase is null ? null : new ExchangeCapture(CaptureStore.Open(options.CaptureDatabase, create: true), options.CaptureRetentionDays, log);

    private void ApplyRetention()
    {
        try
        {
            var removed = Store.ApplyRetention(_retentionDays);
            if (removed.Total > 0)
                _log.LogInformation("capture retention ({Days} days): removed {Conversations} conversations, {Messages} messages, {Feedback} feedback rows",
                    _retentionDays, removed.Conversations, removed.Messages, removed.Feedback);
        }
        catch (Exception e)
        {
            _log.LogError(e, "capture retention failed");
        }
    }

    /// <summary>
    /// Reads who sent the request and its conversation (failing with a 400 before any work when a field is bad), and
    /// names the conversation in the response's header so a client can file feedback or delete it.
    /// </summary>
    public ExchangeTicket Begin(HttpContext context, JsonFields fields, string responseId)
    {
        var identity = Identity(context, fields);
        string conversation = context.Request.Headers[ConversationHeader].ToString() is { Length: > 0 } given
            ? CheckId(given, ConversationHeader) : responseId;
        context.Response.Headers[ConversationHeader] = conversation;
        return new ExchangeTicket(responseId, conversation, identity);
    }

    public void Record(ExchangeTicket ticket, string endpoint, string modelId, IReadOnlyList<CapturedMessage> request, IReadOnlyList<CapturedChoice> choices,
        int promptTokens, int completionTokens)
    {
        try
        {
            Store.RecordExchange(new CapturedExchange(ticket.ResponseId, ticket.ConversationId, endpoint, modelId, request, choices, promptTokens, completionTokens),
                ticket.Identity);
        }
        catch (Exception e)
        {
            // The answer was already sent; a capture that fails must not turn it into an error.
            _log.LogError(e, "capturing exchange {Id} failed", ticket.ResponseId);
        }
    }

    /// <summary>The API key's fingerprint (never the key) and the user id: OpenAI's "user" field, else the X-SharpLM-User header.</summary>
    public static CaptureIdentity Identity(HttpContext context, JsonFields? fields)
    {
        string? header = context.Request.Headers.Authorization;
        const string Bearer = "Bearer ";
        string? key = header is not null && header.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase) ? header[Bearer.Length..].Trim() : null;
        string? user = fields?.String("user") is { Length: > 0 } field ? CheckId(field, "user")
            : context.Request.Headers[UserHeader].ToString() is { Length: > 0 } given ? CheckId(given, UserHeader) : null;
        return new CaptureIdentity(string.IsNullOrEmpty(key) ? null : ApiKeys.Fingerprint(key), user);
    }

    /// <summary>An id from a client (conversation, message, user): 1 to 256 characters, none of them control characters.</summary>
    public static string CheckId(string value, string param)
    {
        if (value.Length is 0 or > 256 || value.Any(char.IsControl))
            throw RequestError.Invalid(param, $"'{param}' must be 1 to 256 characters without control characters.");
        return value;
    }

    public void Dispose()
    {
        _retention?.Dispose();
        Store.Dispose();
    }
}

/// <summary>A request being captured: its response id, its conversation and who sent it.</summary>
public sealed record ExchangeTicket(string ResponseId, string ConversationId, CaptureIdentity Identity);
