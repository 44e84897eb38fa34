using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SharpLM.Core;

namespace SharpLM.Evaluation.Endpoint;

/// <summary>JSON over HTTP to an OpenAI-compatible server; every failure becomes one sentence naming the address.</summary>
public sealed class EndpointClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly string _address;
    private readonly TimeSpan _timeout;

    /// <param name="address">The server's root, e.g. http://host:8080 (a trailing /v1 is dropped: routes are added here).</param>
    public EndpointClient(string address, string? apiKey, TimeSpan timeout)
    {
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new SharpLMException($"--endpoint must be an http:// or https:// address (got '{address}').");
        string root = uri.ToString().TrimEnd('/');
        if (root.EndsWith("/v1", StringComparison.Ordinal)) root = root[..^3];
        _address = root;
        _timeout = timeout;
        _http = new HttpClient { BaseAddress = new Uri(root + "/"), Timeout = timeout };
        if (!string.IsNullOrEmpty(apiKey)) _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
    }

    public string Address => _address;

    /// <summary>The answer's JSON object, or null when the server does not have the route (404 or 405).</summary>
    public JsonObject? TryGet(string route) => Send(HttpMethod.Get, route, null, optional: true);

    public JsonObject? TryPost(string route, JsonObject body) => Send(HttpMethod.Post, route, body, optional: true);

    /// <summary>
    /// Posts <paramref name="body"/>; a 400 or 422 answer goes to <paramref name="refused"/> with the server's message,
    /// which turns it into the caller's own sentence (the server refusing what the request needs).
    /// </summary>
    public JsonObject Post(string route, JsonObject body, Func<string, SharpLMException>? refused = null) =>
        Send(HttpMethod.Post, route, body, optional: false, refused)!;

    private JsonObject? Send(HttpMethod method, string route, JsonObject? body, bool optional, Func<string, SharpLMException>? refused = null)
    {
        using var request = new HttpRequestMessage(method, route.TrimStart('/'));
        if (body is not null) request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        HttpResponseMessage response;
        string text;
        try
        {
            response = _http.Send(request);
            using var reader = new StreamReader(response.Content.ReadAsStream(), Encoding.UTF8);
            text = reader.ReadToEnd();
        }
        catch (TaskCanceledException)
        {
            throw new SharpLMException($"the endpoint {_address} did not answer {route} within {_timeout.TotalSeconds:0} seconds (raise --timeout for a slow server).");
        }
        catch (HttpRequestException e)
        {
            throw new SharpLMException($"cannot reach the endpoint {_address}: {e.Message}");
        }
        using (response)
        {
            int status = (int)response.StatusCode;
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                throw new SharpLMException($"the endpoint {_address} refused the API key (HTTP {status}); give a valid one with --api-key.");
            if (optional && response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed) return null;
            if (refused is not null && response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity)
                throw refused(Message(text));
            if (!response.IsSuccessStatusCode)
                throw new SharpLMException($"the endpoint {_address} answered {route} with HTTP {status}: {Message(text)}");
            try
            {
                if (JsonNode.Parse(text) is JsonObject answer) return answer;
            }
            catch (JsonException)
            {
            }
            throw new SharpLMException($"the endpoint {_address} answered {route} with something other than a JSON object.");
        }
    }

    /// <summary>The OpenAI error's message when the body is one, else the body's start.</summary>
    private static string Message(string body)
    {
        try
        {
            if (JsonNode.Parse(body) is JsonObject o && (o["error"] is JsonObject e ? e["message"] : o["error"] ?? o["message"]) is JsonValue m)
                return m.ToString();
        }
        catch (JsonException)
        {
        }
        string trimmed = body.Trim();
        return trimmed.Length == 0 ? "no message" : trimmed.Length > 200 ? trimmed[..200] + "..." : trimmed;
    }

    public void Dispose() => _http.Dispose();
}
