using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Logging;

namespace SharpLM.Serving.Tests;

/// <summary>Per-key limits on a server of its own: requests per minute and requests in flight, each key counted apart.</summary>
public class KeyLimitTests
{
    private static async Task<SharpLMServer> Start(int perMinute, int concurrent, int tokensPerMinute = 0, int timeoutSeconds = 0, string? model = null)
    {
        model ??= ServerFixture.CreateModel();
        string keys = model + ".keys";
        await File.WriteAllTextAsync(keys, "sk-a\nsk-b\n");
        var server = await SharpLMServer.StartAsync(new ServerOptions
        {
            ModelDirectory = model, Port = 0, ApiKeyFile = keys, Parallel = 2, Threads = 1, RequestsPerMinute = perMinute, ConcurrentPerKey = concurrent,
            TokensPerMinute = tokensPerMinute, RequestTimeoutSeconds = timeoutSeconds,
        }, logging => logging.SetMinimumLevel(LogLevel.Warning));
        await server.Ready;
        return server;
    }

    private static HttpClient Client(SharpLMServer server, string key) => new()
    {
        BaseAddress = server.Address,
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", key) },
    };

    [Fact]
    public async Task A_key_over_its_request_rate_gets_429_with_retry_after_and_other_keys_do_not()
    {
        await using var server = await Start(perMinute: 2, concurrent: 0);
        var a = Client(server, "sk-a");
        Assert.Equal(HttpStatusCode.OK, (await a.GetAsync("/v1/models")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await a.GetAsync("/v1/models")).StatusCode);
        var refused = await a.GetAsync("/v1/models");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Contains("rate_limit_exceeded", await refused.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await Client(server, "sk-b").GetAsync("/v1/models")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await new HttpClient { BaseAddress = server.Address }.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task A_key_at_its_concurrency_cap_gets_429_until_its_request_ends()
    {
        await using var server = await Start(perMinute: 0, concurrent: 1, model: ServerFixture.CreateEndlessModel());
        var a = Client(server, "sk-a");
        // A stream from a model that never ends its turn, with a budget no test waits for: it holds its key's permit
        // until the client leaves, however slow the machine (a request held open by its body could be cut off by
        // Kestrel's minimum body rate on a starved machine).
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = new StringContent("""{"prompt":"the whale","max_tokens":30000,"temperature":0,"stream":true}""", Encoding.UTF8, "application/json"),
        };
        using (var stream = await a.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync());
            Assert.StartsWith("data: {", await reader.ReadLineAsync());
            var refused = await a.GetAsync("/v1/models");
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Contains("rate_limit_exceeded", await refused.Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.OK, (await Client(server, "sk-b").GetAsync("/v1/models")).StatusCode);
            Assert.Equal(1, server.Scheduler!.BusySlots); // still generating: the permit was refused while it ran
        } // the client leaves mid-stream
        var deadline = DateTime.UtcNow.AddSeconds(20);
        HttpStatusCode status;
        do status = (await a.GetAsync("/v1/models")).StatusCode; while (status != HttpStatusCode.OK && DateTime.UtcNow < deadline && await Task.Delay(50).ContinueWith(_ => true));
        Assert.Equal(HttpStatusCode.OK, status);
    }

    /// <summary>A JSON body sent in two parts, the second only when the test releases it (whitespace flows meanwhile).</summary>
    private sealed class HeldBody : HttpContent
    {
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public HeldBody() => Headers.ContentType = new MediaTypeHeaderValue("application/json");

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes("""{"prompt":"the whale","""));
            await stream.FlushAsync();
            // Kestrel aborts a body that sends less than 240 bytes a second after a 5-second grace, which would end the
            // request early; JSON whitespace keeps the body flowing until the test releases it.
            var spaces = Encoding.UTF8.GetBytes(new string(' ', 128));
            while (!Release.Task.IsCompleted)
            {
                await stream.WriteAsync(spaces);
                await stream.FlushAsync();
                await Task.WhenAny(Release.Task, Task.Delay(100));
            }
            await stream.WriteAsync(Encoding.UTF8.GetBytes("\"max_tokens\":2}"));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    private static StringContent Completion(int maxTokens) => new(
        $$"""{"prompt":[1,2,3,4,5,6,7,8,9,10],"max_tokens":{{maxTokens}},"temperature":0,"ignore_eos":true}""", Encoding.UTF8, "application/json");

    [Fact]
    public async Task A_key_over_its_tokens_per_minute_gets_429_counting_prompt_and_generated_tokens()
    {
        await using var server = await Start(perMinute: 0, concurrent: 0, tokensPerMinute: 25);
        var a = Client(server, "sk-a");
        var elapsed = System.Diagnostics.Stopwatch.StartNew();
        // 10 prompt + 10 generated tokens: 5 of the minute's 25 are left, so the next request is admitted...
        Assert.Equal(HttpStatusCode.OK, (await a.PostAsync("/v1/completions", Completion(10))).StatusCode);
        // ...and charged 20 more, leaving the bucket 15 below zero: 38.4 seconds to wait until it holds a token again
        // (16 of 25 per minute), less the time it has been refilling since the first request (long on a loaded machine).
        Assert.Equal(HttpStatusCode.OK, (await a.PostAsync("/v1/completions", Completion(10))).StatusCode);
        var refused = await a.PostAsync("/v1/completions", Completion(1));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        string body = await refused.Content.ReadAsStringAsync();
        Assert.Contains("rate_limit_exceeded", body);
        Assert.Contains("\"type\":\"tokens\"", body);
        double waited = elapsed.Elapsed.TotalSeconds;
        Assert.InRange(refused.Headers.RetryAfter!.Delta!.Value.TotalSeconds, Math.Floor(38.4 - waited) - 1, 39);
        Assert.Equal(HttpStatusCode.OK, (await Client(server, "sk-b").PostAsync("/v1/completions", Completion(1))).StatusCode);
    }

    [Fact]
    public async Task A_request_over_the_timeout_gets_504()
    {
        await using var server = await Start(perMinute: 0, concurrent: 0, timeoutSeconds: 1);
        // A body that never finishes keeps the request running past its deadline whatever the machine's speed.
        var body = new HeldBody();
        // The client reads the answer once its body is sent, so the body ends well after the one-second deadline.
        _ = Task.Delay(TimeSpan.FromSeconds(4)).ContinueWith(_ => body.Release.TrySetResult());
        var timedOut = await Client(server, "sk-a").PostAsync("/v1/completions", body);
        Assert.Equal(HttpStatusCode.GatewayTimeout, timedOut.StatusCode);
        Assert.Contains("request_timeout", await timedOut.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await Client(server, "sk-a").PostAsync("/v1/completions", Completion(2))).StatusCode);
    }

    [Fact]
    public async Task A_stream_over_the_timeout_ends_with_a_timeout_event_and_frees_its_slot()
    {
        await using var server = await Start(perMinute: 0, concurrent: 0, timeoutSeconds: 1, model: ServerFixture.CreateEndlessModel());
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = new StringContent("""{"prompt":"the whale","max_tokens":30000,"temperature":0,"stream":true}""", Encoding.UTF8, "application/json"),
        };
        using var stream = await Client(server, "sk-a").SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
        // Only the timeout ends this stream (the model never ends its turn); reading on keeps it flowing until then.
        var events = (await stream.Content.ReadAsStringAsync()).Split('\n').Where(line => line.StartsWith("data: ", StringComparison.Ordinal)).ToList();
        Assert.Equal("data: [DONE]", events[^1]);
        Assert.Contains("\"code\":\"request_timeout\"", events[^2]);
        Assert.StartsWith("data: {\"error\":", events[^2]);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (server.Scheduler!.BusySlots > 0 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Equal(0, server.Scheduler!.BusySlots);
    }
}
