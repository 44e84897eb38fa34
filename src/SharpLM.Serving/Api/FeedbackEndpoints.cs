using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using SharpLM.Feedback.Capture;
using SharpLM.Serving.Capture;

namespace SharpLM.Serving.Api;

/// <summary>
/// POST /v1/feedback, DELETE /v1/conversations/{id} and DELETE /v1/users/{id}: judgements into the capture database
/// and data-subject deletions out of it. They need no model, so they answer while it loads; without --capture
/// they answer 404 (code "capture_disabled").
/// </summary>
public static class FeedbackEndpoints
{
    public static void Map(IEndpointRouteBuilder routes, ExchangeCapture? capture, long maxRequestBytes, ILogger log)
    {
        routes.MapPost("/v1/feedback", context => Run(context, capture, log, async store =>
        {
            if (context.Request.ContentLength > maxRequestBytes) throw new RequestError(413, $"the request body is larger than the server's limit of {maxRequestBytes} bytes.");
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            var fields = JsonFields.Parse(buffer.ToArray());
            var entry = FeedbackRequest.Read(fields);
            string id = store.RecordFeedback(entry, ExchangeCapture.Identity(context, null));
            await WriteAsync(context, w =>
            {
                w.WriteString("id", id);
                w.WriteString("object", "feedback");
                w.WriteString("conversation_id", entry.ConversationId);
            });
        }));
        routes.MapDelete("/v1/conversations/{id}", context => Run(context, capture, log, async store =>
        {
            string id = ExchangeCapture.CheckId((string)context.Request.RouteValues["id"]!, "id");
            var removed = store.DeleteConversation(id);
            if (removed.Total == 0) throw new RequestError(404, $"no captured conversation '{id}'.", "id", code: "conversation_not_found");
            await WriteAsync(context, w => Deleted(w, id, "conversation.deleted", removed));
        }));
        routes.MapDelete("/v1/users/{id}", context => Run(context, capture, log, async store =>
        {
            string id = ExchangeCapture.CheckId((string)context.Request.RouteValues["id"]!, "id");
            var removed = store.DeleteUser(id);
            await WriteAsync(context, w => Deleted(w, id, "user.deleted", removed));
        }));
    }

    /// <summary>OpenAI's deletion shape {"id","object","deleted"} with the rows removed per table.</summary>
    private static void Deleted(Utf8JsonWriter w, string id, string kind, CaptureCounts removed)
    {
        w.WriteString("id", id);
        w.WriteString("object", kind);
        w.WriteBoolean("deleted", removed.Total > 0);
        w.WriteStartObject("rows");
        w.WriteNumber("conversations", removed.Conversations);
        w.WriteNumber("messages", removed.Messages);
        w.WriteNumber("feedback", removed.Feedback);
        w.WriteEndObject();
    }

    private static Task WriteAsync(HttpContext context, Action<Utf8JsonWriter> fields)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(ResponseJson.Write(w =>
        {
            w.WriteStartObject();
            fields(w);
            w.WriteEndObject();
        }));
    }

    private static async Task Run(HttpContext context, ExchangeCapture? capture, ILogger log, Func<CaptureStore, Task> route)
    {
        try
        {
            if (capture is null)
                throw new RequestError(404, "capture is off on this server: start it with --capture DB to record feedback and delete captured data.",
                    code: "capture_disabled");
            await route(capture.Store);
        }
        catch (RequestError error) when (!context.Response.HasStarted)
        {
            log.LogInformation("{Method} {Path}: {Status} {Param}", context.Request.Method, context.Request.Path, error.Status, error.Param);
            await error.WriteAsync(context);
        }
        catch (Exception e) when (e is not OperationCanceledException && !context.Response.HasStarted)
        {
            log.LogError(e, "{Method} {Path} failed", context.Request.Method, context.Request.Path);
            await new RequestError(500, "the server failed to complete the request.", type: "server_error").WriteAsync(context);
        }
    }
}
