using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Trace;

namespace SharpLM.Serving.Tests;

/// <summary>OpenTelemetry traces of a server of its own, caught with the in-memory exporter.</summary>
public class TracingTests
{
    [Fact]
    public async Task A_request_span_holds_queue_wait_prefill_and_decode_spans_in_order()
    {
        var spans = new List<Activity>();
        await using var server = await SharpLMServer.StartAsync(new ServerOptions { ModelDirectory = ServerFixture.CreateModel(), Port = 0, Parallel = 1, Threads = 1 },
            logging => logging.SetMinimumLevel(LogLevel.Warning), tracing => tracing.AddInMemoryExporter(spans));
        await server.Ready;
        using var client = new HttpClient { BaseAddress = server.Address };
        // A trace of the test's own (W3C traceparent), since other servers in this process are traced at the same time.
        var traceId = ActivityTraceId.CreateRandom();
        client.DefaultRequestHeaders.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        var response = await client.PostAsync("/v1/completions",
            new StringContent("""{"prompt":[1,2,3,4,5],"max_tokens":6,"temperature":0,"ignore_eos":true}""", Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();

        Activity? request = null;
        for (int wait = 0; wait < 100 && request is null; wait++)
        {
            lock (spans) request = spans.FirstOrDefault(s => s.Kind == ActivityKind.Server && s.TraceId == traceId);
            if (request is null) await Task.Delay(50);
        }
        Assert.NotNull(request);
        List<Activity> children;
        lock (spans) children = spans.Where(s => s.Source.Name == "SharpLM.Serving" && s.TraceId == traceId).ToList();
        Assert.Equal(["queue wait", "prefill", "decode"], children.Select(s => s.DisplayName));
        Assert.All(children, s =>
        {
            Assert.Equal(request!.TraceId, s.TraceId);
            Assert.Equal(request.SpanId, s.ParentSpanId);
            Assert.Equal(5, s.GetTagItem("sharplm.prompt_tokens"));
            Assert.Equal(6, s.GetTagItem("sharplm.generated_tokens"));
            Assert.Equal("finished", s.GetTagItem("sharplm.outcome"));
            Assert.True(s.Duration >= TimeSpan.Zero);
        });
        // Consecutive: each phase starts where the one before ended, all inside the request.
        Assert.Equal(children[0].StartTimeUtc + children[0].Duration, children[1].StartTimeUtc);
        Assert.Equal(children[1].StartTimeUtc + children[1].Duration, children[2].StartTimeUtc);
        Assert.True(children[0].StartTimeUtc >= request!.StartTimeUtc && children[2].StartTimeUtc + children[2].Duration <= request.StartTimeUtc + request.Duration);
    }
}
