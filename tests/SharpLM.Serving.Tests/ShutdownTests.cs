using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using SharpLM.Tests;

namespace SharpLM.Serving.Tests;

/// <summary>
/// A stopping server lets running requests finish for its grace, then ends them with a reason: the last event of a
/// stream, a 503 for anything else. The model never ends its turn, so only the stop ends these requests.
/// </summary>
public class ShutdownTests
{
    private static async Task<SharpLMServer> Start()
    {
        var server = await SharpLMServer.StartAsync(new ServerOptions
        {
            ModelDirectory = ServerFixture.CreateEndlessModel(), ModelId = "tiny", Port = 0, Parallel = 2, Threads = 1, ShutdownGraceSeconds = 1,
        }, logging => logging.SetMinimumLevel(LogLevel.Warning));
        await server.Ready;
        return server;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task WaitForBusySlots(SharpLMServer server, int busy)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (server.Scheduler!.BusySlots < busy && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Equal(busy, server.Scheduler!.BusySlots);
    }

    [Fact]
    public async Task Requests_running_past_the_grace_end_with_an_error_event_or_a_503()
    {
        var server = await Start();
        var client = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromMinutes(2) };
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = Json("""{"messages":[{"role":"user","content":"the whale"}],"max_tokens":30000,"temperature":0,"stream":true}"""),
        };
        using var stream = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var reader = new StreamReader(await stream.Content.ReadAsStreamAsync());
        Assert.StartsWith("data: {", await reader.ReadLineAsync());
        var whole = client.PostAsync("/v1/completions", Json("""{"prompt":"the whale","max_tokens":30000,"temperature":0}"""));
        await WaitForBusySlots(server, 2);

        var stopping = server.StopAsync();
        // Reading on keeps the stream flowing until the server ends it.
        var events = (await reader.ReadToEndAsync()).Split('\n').Where(line => line.StartsWith("data: ", StringComparison.Ordinal)).ToList();
        Assert.Equal("data: [DONE]", events[^1]);
        using (var last = JsonDocument.Parse(events[^2]["data: ".Length..]))
        {
            var error = last.RootElement.GetProperty("error");
            Assert.Equal("server_shutting_down", error.GetProperty("code").GetString());
            Assert.Equal("unavailable_error", error.GetProperty("type").GetString());
            Assert.StartsWith("the server is shutting down", error.GetProperty("message").GetString());
        }
        Assert.True(events.Count > 3, "the stream was ended by the stop, after generating");

        var refused = await whole;
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Contains("\"server_shutting_down\"", await refused.Content.ReadAsStringAsync());

        await stopping;
        await server.DisposeAsync();
    }

    [NodeFact]
    public async Task The_openai_npm_package_raises_the_shutdown_as_an_api_error()
    {
        await NodeSdkTests.InstallAsync(); // before the server's wait for the script's request starts counting
        var server = await Start();
        var node = NodeSdkTests.RunScriptAsync("stream-until-error.mjs", new Uri(server.Address, "/v1").ToString());
        await WaitForBusySlots(server, 1);
        await server.StopAsync();
        using var printed = JsonDocument.Parse(await node);
        var error = printed.RootElement.GetProperty("error");
        Assert.Equal("APIError", error.GetProperty("name").GetString());
        Assert.Equal("server_shutting_down", error.GetProperty("code").GetString());
        Assert.Equal("unavailable_error", error.GetProperty("type").GetString());
        Assert.Contains("the server is shutting down", error.GetProperty("message").GetString());
        Assert.True(printed.RootElement.GetProperty("chunks").GetInt32() > 1, "the stream was ended by the stop, after generating");
        await server.DisposeAsync();
    }
}
