using System.ClientModel;
using System.Text.Json;
using Microsoft.Extensions.AI;
using OpenAI;
using SharpLM.Serving.Clients;

namespace SharpLM.Serving.Tests;

/// <summary>SharpLM's in-process IChatClient against the server seen through Microsoft.Extensions.AI.OpenAI's client: one core, the same answers.</summary>
[Collection("server")]
public class ChatClientTests(ServerFixture fixture)
{
    private static readonly ChatMessage[] Conversation = [new(ChatRole.System, "Be brief."), new(ChatRole.User, "the whale")];

    private IChatClient OverHttp() => new OpenAIClient(new ApiKeyCredential(ServerFixture.Key), new OpenAIClientOptions { Endpoint = new Uri(fixture.Address, "/v1") })
        .GetChatClient("tiny").AsIChatClient();

    [Fact]
    public async Task The_in_process_client_answers_as_the_server_does()
    {
        using var local = SharpLMChatClient.Load(fixture.ModelDirectory, slots: 2, threads: 1);
        var options = new ChatOptions { Temperature = 0.7f, Seed = 3, MaxOutputTokens = 12 };
        var inProcess = await local.GetResponseAsync(Conversation, options);
        var remote = await OverHttp().GetResponseAsync(Conversation, options);
        Assert.Equal(remote.Text, inProcess.Text);
        Assert.Equal(remote.FinishReason, inProcess.FinishReason);
        Assert.Equal(remote.Usage!.OutputTokenCount, inProcess.Usage!.OutputTokenCount);
        Assert.Equal(remote.Usage.InputTokenCount, inProcess.Usage.InputTokenCount);
        Assert.Equal("tiny", remote.ModelId);
    }

    [Fact]
    public async Task A_disposed_client_refuses_a_request_instead_of_leaving_it_waiting()
    {
        var local = SharpLMChatClient.Load(fixture.ModelDirectory, slots: 1, threads: 1);
        local.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => local.GetResponseAsync(Conversation, new ChatOptions { MaxOutputTokens = 2 }));
    }

    [Fact]
    public async Task Streaming_updates_add_up_to_the_response_and_end_with_usage()
    {
        using var local = SharpLMChatClient.Load(fixture.ModelDirectory, slots: 1, threads: 1);
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = 10 };
        string whole = (await local.GetResponseAsync(Conversation, options)).Text;
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in local.GetStreamingResponseAsync(Conversation, options)) updates.Add(update);
        Assert.Equal(whole, string.Concat(updates.Select(u => u.Text)));
        Assert.NotNull(updates[^1].FinishReason);
        Assert.Contains(updates[^1].Contents, c => c is UsageContent);
        Assert.Equal(whole, updates.ToChatResponse().Text);
    }

    [Fact]
    public async Task A_json_schema_response_format_is_enforced()
    {
        using var local = SharpLMChatClient.Load(fixture.ModelDirectory, slots: 1, threads: 1);
        using var schema = JsonDocument.Parse("""{"type":"object","properties":{"mast":{"type":"integer"}},"required":["mast"]}""");
        var response = await local.GetResponseAsync(Conversation, new ChatOptions
        {
            Temperature = 1, Seed = 9, MaxOutputTokens = 60, ResponseFormat = ChatResponseFormat.ForJsonSchema(schema.RootElement.Clone(), "mast"),
        });
        using var output = JsonDocument.Parse(response.Text);
        Assert.True(output.RootElement.GetProperty("mast").TryGetInt64(out _));
    }

    [Fact]
    public async Task A_required_call_comes_back_as_function_call_content_in_and_out_of_streaming()
    {
        using var local = SharpLMChatClient.Load(fixture.ModelDirectory, slots: 1, threads: 1);
        var options = new ChatOptions
        {
            Temperature = 1, Seed = 5, MaxOutputTokens = 400, ToolMode = ChatToolMode.RequireAny,
            Tools = [AIFunctionFactory.Create((int a, int b) => a + b, "add"), AIFunctionFactory.Create((string word) => word.ToUpperInvariant(), "shout")],
        };
        var response = await local.GetResponseAsync(Conversation, options);
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
        var call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Contains(call.Name, new[] { "add", "shout" });
        Assert.Equal(call.Name == "add" ? ["a", "b"] : ["word"], call.Arguments!.Keys.Order(StringComparer.Ordinal).ToArray());

        var streamed = await local.GetStreamingResponseAsync(Conversation, options).ToChatResponseAsync();
        var streamedCall = Assert.Single(streamed.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal(call.Name, streamedCall.Name);
        Assert.Equal(JsonSerializer.Serialize(call.Arguments), JsonSerializer.Serialize(streamedCall.Arguments));
        Assert.Equal(ChatFinishReason.ToolCalls, streamed.FinishReason);

        await Assert.ThrowsAsync<ArgumentException>(() => local.GetResponseAsync(Conversation, new ChatOptions { ToolMode = ChatToolMode.RequireSpecific("missing"), Tools = options.Tools }));
    }

    [Fact]
    public async Task A_function_invoking_client_completes_a_two_tool_loop_in_process()
    {
        using var local = SharpLMChatClient.Load(fixture.ModelDirectory, slots: 1, threads: 1);
        await TwoToolLoop(local);
    }

    [Fact]
    public async Task A_function_invoking_client_completes_the_same_loop_over_http()
    {
        await TwoToolLoop(OverHttp());
    }

    /// <summary>
    /// FunctionInvokingChatClient over <paramref name="inner"/>: the model is made to call "lookup", then "convert"
    /// (a random tiny model chooses no tool on its own, so <see cref="ScriptedToolMode"/> requires each in turn), and
    /// then to answer. The functions must really run with the model's arguments and their results reach the prompt.
    /// </summary>
    private static async Task TwoToolLoop(IChatClient inner)
    {
        var invoked = new List<string>();
        var lookup = AIFunctionFactory.Create((string port) => { invoked.Add($"lookup({port})"); return $"{port}: 12 knots"; }, "lookup", "Wind at a port.");
        var convert = AIFunctionFactory.Create((int knots) => { invoked.Add($"convert({knots})"); return knots * 1.852; }, "convert", "Knots to km/h.");
        var scripted = new ScriptedToolMode(inner, ["lookup", "convert"]);
        using var client = new FunctionInvokingChatClient(scripted);
        var options = new ChatOptions { Temperature = 1, Seed = 2, MaxOutputTokens = 1000, Tools = [lookup, convert] };
        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "the whale")], options);

        Assert.True(invoked.Count == 2, string.Join(" | ", response.Messages.Select(m => m.Role + ":" + string.Join(",", m.Contents.Select(c => c.GetType().Name + " " + (c as TextContent)?.Text)))));
        Assert.StartsWith("lookup(", invoked[0]);
        Assert.StartsWith("convert(", invoked[1]);
        // The loop fed each result back: the last request held both calls and both results, and answered in text.
        Assert.Equal(3, scripted.Requests.Count);
        var last = scripted.Requests[^1];
        Assert.Equal(["lookup", "convert"], last.SelectMany(m => m.Contents).OfType<FunctionCallContent>().Select(c => c.Name));
        var results = last.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Select(r => r.Result?.ToString()).ToList();
        Assert.Equal(2, results.Count);
        Assert.EndsWith(": 12 knots", results[0]);
        Assert.True(response.FinishReason == ChatFinishReason.Stop || response.FinishReason == ChatFinishReason.Length);
        Assert.Empty(response.Messages[^1].Contents.OfType<FunctionCallContent>());
        // Each round's prompt holds the previous one's: the calls and results went through the chat template.
        Assert.True(scripted.InputTokens[0] < scripted.InputTokens[1] && scripted.InputTokens[1] < scripted.InputTokens[2], string.Join(", ", scripted.InputTokens));
    }

    /// <summary>Requires the next function of a script on each round (counted by the results so far), then leaves the choice to the model; records what each round sent.</summary>
    private sealed class ScriptedToolMode(IChatClient inner, string[] script) : DelegatingChatClient(inner)
    {
        public List<List<ChatMessage>> Requests { get; } = [];
        public List<long> InputTokens { get; } = [];

        public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            var history = messages.ToList();
            Requests.Add(history);
            int round = history.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Count();
            var scripted = options!.Clone();
            scripted.ToolMode = round < script.Length ? ChatToolMode.RequireSpecific(script[round]) : ChatToolMode.Auto;
            var response = await base.GetResponseAsync(history, scripted, cancellationToken);
            InputTokens.Add(response.Usage!.InputTokenCount!.Value);
            return response;
        }
    }
}
