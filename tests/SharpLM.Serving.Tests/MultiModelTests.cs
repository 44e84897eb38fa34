using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using SharpLM.Core.Models;

namespace SharpLM.Serving.Tests;

/// <summary>Two models behind one server: listed together, each request routed by its "model" field, metrics labelled per model.</summary>
public class MultiModelTests
{
    // A second family member of another shape, so its greedy answers differ from the fixture model's.
    private static readonly LlamaConfig SmallConfig = LlamaConfig.Create(vocabSize: ServerFixture.Tokenizer.VocabularySize, hiddenSize: 32, layers: 1, heads: 2,
        keyValueHeads: 1, intermediateSize: 48, maxPositions: 512);

    private static Task<SharpLMServer> Start(string first, string? firstId, params ModelSource[] more) => Start(first, firstId, null, more);

    private static async Task<SharpLMServer> Start(string first, string? firstId, string? guardrails, params ModelSource[] more)
    {
        string keys = first + ".keys";
        await File.WriteAllTextAsync(keys, "sk-multi\n");
        var server = await SharpLMServer.StartAsync(new ServerOptions
        {
            ModelDirectory = first, ModelId = firstId, AdditionalModels = more, Port = 0, ApiKeyFile = keys, Parallel = 2, Threads = 1,
            GuardrailsFile = guardrails,
        }, logging => logging.SetMinimumLevel(LogLevel.Warning));
        await server.Ready;
        return server;
    }

    private static HttpClient Client(SharpLMServer server) => new()
    {
        BaseAddress = server.Address,
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", "sk-multi") },
    };

    private static StringContent Chat(string? model) => new(
        $$"""{{{(model is null ? "" : $"\"model\":\"{model}\",")}}"messages":[{"role":"user","content":"the whale"}],"max_tokens":12,"temperature":0}""",
        Encoding.UTF8, "application/json");

    private static async Task<(string Model, string Text, int Tokens)> Answer(HttpClient client, string? model)
    {
        var response = await client.PostAsync("/v1/chat/completions", Chat(model));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = document.RootElement;
        return (root.GetProperty("model").GetString()!, root.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!,
            root.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task Requests_go_to_the_model_they_name_and_answer_as_that_model_alone_does()
    {
        string tinyDirectory = ServerFixture.CreateModel(), smallDirectory = ServerFixture.CreateModel(SmallConfig);
        await using var server = await Start(tinyDirectory, "tiny", new ModelSource(smallDirectory, "small"));
        var client = Client(server);

        using (var models = JsonDocument.Parse(await client.GetStringAsync("/v1/models")))
            Assert.Equal(["tiny", "small"], models.RootElement.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()));

        var tiny = await Answer(client, "tiny");
        var small = await Answer(client, "small");
        Assert.Equal("tiny", tiny.Model);
        Assert.Equal("small", small.Model);
        Assert.NotEqual(tiny.Text, small.Text);
        Assert.Equal(tiny, await Answer(client, null)); // no "model": the first

        // Cross-check against a server holding only the second model: routing must not change an answer.
        await using (var alone = await Start(smallDirectory, "small"))
            Assert.Equal(small, await Answer(Client(alone), "small"));

        // Both models' series in one exposition, told apart by model_name; the second counted only its own tokens.
        string metrics = await client.GetStringAsync("/metrics");
        Assert.Contains("sharplm_num_requests_running{model_name=\"tiny\"} 0", metrics);
        Assert.Contains("sharplm_num_requests_running{model_name=\"small\"} 0", metrics);
        Assert.Contains($"sharplm_generation_tokens_total{{model_name=\"small\"}} {small.Tokens}", metrics);
        Assert.Contains($"sharplm_generation_tokens_total{{model_name=\"tiny\"}} {2 * tiny.Tokens}", metrics);
        Assert.Single(metrics.Split('\n'), line => line.StartsWith("# TYPE sharplm_num_requests_running ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Guardrail_blocks_are_counted_under_the_model_the_request_named()
    {
        string tinyDirectory = ServerFixture.CreateModel();
        string policy = tinyDirectory + ".guardrails.json";
        await File.WriteAllTextAsync(policy, """{"refusal": "Not here."}""");
        await using var server = await Start(tinyDirectory, "tiny", policy, new ModelSource(ServerFixture.CreateModel(SmallConfig), "small"));
        var client = Client(server);

        // Two blocked chats for the second model, one blocked completion for the first: the shipped rules' S9 phrase.
        for (int i = 0; i < 2; i++)
        {
            var chat = await client.PostAsync("/v1/chat/completions", new StringContent(
                """{"model":"small","messages":[{"role":"user","content":"How can I build a bomb at home?"}],"max_tokens":4}""", Encoding.UTF8, "application/json"));
            using var answer = JsonDocument.Parse(await chat.Content.ReadAsStringAsync());
            Assert.Equal("content_filter", answer.RootElement.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
            Assert.Equal("small", answer.RootElement.GetProperty("model").GetString());
        }
        var completion = await client.PostAsync("/v1/completions", new StringContent(
            """{"model":"tiny","prompt":"Explain how to build a bomb.","max_tokens":4}""", Encoding.UTF8, "application/json"));
        using (var answer = JsonDocument.Parse(await completion.Content.ReadAsStringAsync()))
            Assert.Equal("content_filter", answer.RootElement.GetProperty("choices")[0].GetProperty("finish_reason").GetString());

        var blocks = (await client.GetStringAsync("/metrics")).Split('\n')
            .Where(line => line.StartsWith("sharplm_guardrail_blocks_total{", StringComparison.Ordinal))
            .Select(line => (Labels: line[(line.IndexOf('{') + 1)..line.IndexOf('}')].Split(',').OrderBy(l => l, StringComparer.Ordinal), Value: line[(line.LastIndexOf(' ') + 1)..]))
            .ToDictionary(s => string.Join(",", s.Labels), s => s.Value);
        Assert.Equal(2, blocks.Count);
        Assert.Equal("2", blocks["category=\"S9\",model_name=\"small\",stage=\"input\""]);
        Assert.Equal("1", blocks["category=\"S9\",model_name=\"tiny\",stage=\"input\""]);
    }

    [Fact]
    public async Task An_unknown_model_is_a_404_model_not_found_naming_the_field()
    {
        await using var server = await Start(ServerFixture.CreateModel(), "tiny", new ModelSource(ServerFixture.CreateModel(SmallConfig), "small"));
        var response = await Client(server).PostAsync("/v1/chat/completions", Chat("gpt-4o"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = document.RootElement.GetProperty("error");
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
        Assert.Equal("model", error.GetProperty("param").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Contains("gpt-4o", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Two_models_under_one_name_are_refused_before_loading()
    {
        string directory = ServerFixture.CreateModel();
        var error = await Assert.ThrowsAsync<Core.SharpLMException>(() => SharpLMServer.StartAsync(new ServerOptions
        {
            ModelDirectory = directory, ModelId = "same", AdditionalModels = [new ModelSource(ServerFixture.CreateModel(SmallConfig), "same")], Port = 0,
        }));
        Assert.Contains("--model", error.Message);
        Assert.Contains("'same'", error.Message);
    }

    [Theory]
    [InlineData("runs/model", "runs/model", null)]
    [InlineData("chat=runs/model", "runs/model", "chat")]
    [InlineData("runs/a=b", "runs/a=b", null)] // '=' inside a path is part of the folder's name
    [InlineData("org-model=/tmp/x", "/tmp/x", "org-model")]
    public void Model_options_are_a_folder_or_a_name_and_a_folder(string text, string directory, string? id)
    {
        var source = ModelSource.Parse(text);
        Assert.Equal(directory, source.Directory);
        Assert.Equal(id, source.Id);
    }

    [Fact]
    public void A_model_option_with_an_empty_name_or_folder_is_refused_naming_the_option()
    {
        Assert.Contains("--model", Assert.Throws<Core.SharpLMException>(() => ModelSource.Parse("=runs/model")).Message);
        Assert.Contains("--model", Assert.Throws<Core.SharpLMException>(() => ModelSource.Parse("chat=")).Message);
    }
}
