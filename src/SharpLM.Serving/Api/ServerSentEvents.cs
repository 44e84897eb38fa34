using Microsoft.AspNetCore.Http;

namespace SharpLM.Serving.Api;

/// <summary>An SSE stream as OpenAI sends one: "data: {json}\n\n" per chunk, then "data: [DONE]".</summary>
public static class ServerSentEvents
{
    public static void Start(HttpResponse response)
    {
        response.StatusCode = 200;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no"; // proxies must not hold the stream back
    }

    public static async Task WriteAsync(HttpResponse response, string json, CancellationToken cancellation)
    {
        await response.WriteAsync("data: " + json + "\n\n", cancellation);
        await response.Body.FlushAsync(cancellation);
    }

    public static Task DoneAsync(HttpResponse response, CancellationToken cancellation) => response.WriteAsync("data: [DONE]\n\n", cancellation);

    /// <summary>Whether the response is an event stream (its status and headers already sent).</summary>
    public static bool IsStream(HttpResponse response) => response.HasStarted && response.ContentType == "text/event-stream";

    /// <summary>
    /// Ends a stream that cannot finish with OpenAI's error shape as the last event, then "[DONE]": the status line
    /// has gone, so this is how a client learns why the answer stops (the OpenAI SDKs raise it as an API error).
    /// </summary>
    public static async Task ErrorAsync(HttpResponse response, RequestError error, CancellationToken cancellation)
    {
        await WriteAsync(response, RequestError.Json(error.Message, error.Type, error.Param, error.Code), cancellation);
        await DoneAsync(response, cancellation);
    }
}
