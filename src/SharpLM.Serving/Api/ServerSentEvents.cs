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
}
