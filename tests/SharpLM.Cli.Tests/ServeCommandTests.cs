using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace SharpLM.Cli.Tests;

/// <summary>`sharplm serve` as a real process: it answers /health, serves a chat completion, and stops cleanly on SIGTERM.</summary>
public class ServeCommandTests
{
    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    [Fact]
    public async Task Serve_answers_and_stops_on_sigterm()
    {
        string model = TinyModelFolder.Create();
        int port = FreePort();
        using var process = CliProcess.Start("serve", "--model", model, "--port", port.ToString(), "--parallel", "2", "--model-id", "tiny");
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        HttpStatusCode? health = null;
        while (DateTime.UtcNow < deadline && health != HttpStatusCode.OK && !process.HasExited)
        {
            try { health = (await client.GetAsync("/health")).StatusCode; } catch (HttpRequestException) { }
            await Task.Delay(100);
        }
        Assert.True(health == HttpStatusCode.OK, output.ToString());

        var response = await client.PostAsync("/v1/chat/completions", new StringContent(
            """{"model":"tiny","messages":[{"role":"user","content":"the whale"}],"max_tokens":5,"temperature":0}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("chat.completion", document.RootElement.GetProperty("object").GetString());

        Process.Start("kill", ["-TERM", process.Id.ToString()]).WaitForExit();
        Assert.True(process.WaitForExit(30_000), "the server did not stop after SIGTERM");
        Assert.True(process.ExitCode == 0, output.ToString());
    }

    [Fact]
    public async Task Serve_takes_several_models_by_name_and_serves_the_page()
    {
        int port = FreePort();
        using var process = CliProcess.Start("serve", "--model", "first=" + TinyModelFolder.Create(), "--model", "second=" + TinyModelFolder.Create(),
            "--port", port.ToString(), "--parallel", "1");
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        HttpStatusCode? health = null;
        while (DateTime.UtcNow < deadline && health != HttpStatusCode.OK && !process.HasExited)
        {
            try { health = (await client.GetAsync("/health")).StatusCode; } catch (HttpRequestException) { }
            await Task.Delay(100);
        }
        try
        {
            Assert.True(health == HttpStatusCode.OK, output.ToString());
            using (var models = JsonDocument.Parse(await client.GetStringAsync("/v1/models")))
                Assert.Equal(["first", "second"], models.RootElement.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()));
            var response = await client.PostAsync("/v1/chat/completions", new StringContent(
                """{"model":"second","messages":[{"role":"user","content":"the whale"}],"max_tokens":3,"temperature":0}""", Encoding.UTF8, "application/json"));
            using (var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync()))
                Assert.Equal("second", answer.RootElement.GetProperty("model").GetString());
            Assert.Contains("<title>SharpLM chat</title>", await client.GetStringAsync("/"));
        }
        finally
        {
            process.Kill();
        }
    }

    [Fact]
    public void Naming_the_first_model_twice_is_refused()
    {
        var result = CliProcess.Run("serve", "--model", "a=" + TinyModelFolder.Create(), "--model-id", "b", "--port", "0");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("sharplm: error: --model-id and --model NAME=DIR both name the first model", result.Error);
    }

    [Fact]
    public void Serving_without_keys_beyond_loopback_is_refused()
    {
        var result = CliProcess.Run("serve", "--model", TinyModelFolder.Create(), "--host", "0.0.0.0", "--port", "0");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--api-key-file", result.Error);
    }
}
