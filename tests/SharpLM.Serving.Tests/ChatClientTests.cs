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
    public async Task A_json_schema_response_format_is_enforced_and_tools_are_refused_plainly()
    {
        using var local = SharpLMChatClient.Load(fixture.ModelDirectory, slots: 1, threads: 1);
        using var schema = JsonDocument.Parse("""{"type":"object","properties":{"mast":{"type":"integer"}},"required":["mast"]}""");
        var response = await local.GetResponseAsync(Conversation, new ChatOptions
        {
            Temperature = 1, Seed = 9, MaxOutputTokens = 60, ResponseFormat = ChatResponseFormat.ForJsonSchema(schema.RootElement.Clone(), "mast"),
        });
        using var output = JsonDocument.Parse(response.Text);
        Assert.True(output.RootElement.GetProperty("mast").TryGetInt64(out _));

        var tools = new ChatOptions { Tools = [AIFunctionFactory.Create((int a) => a + 1, "add_one")] };
        await Assert.ThrowsAsync<NotSupportedException>(() => local.GetResponseAsync(Conversation, tools));
    }
}
