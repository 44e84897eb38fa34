using System.ClientModel;
using System.Text.Json;
using OpenAI;
using OpenAI.Chat;
using SharpLM.Inference;
using SharpLM.Inference.Generation;
using ChatTemplate = SharpLM.Tokenizers.Chat.ChatTemplate;
using ChatMessage = OpenAI.Chat.ChatMessage;

namespace SharpLM.Serving.Tests;

/// <summary>The official OpenAI .NET SDK, unchanged, against a running server on 127.0.0.1.</summary>
[Collection("server")]
public class OpenAiSdkTests(ServerFixture fixture)
{
    private ChatClient Chat() => new OpenAIClient(new ApiKeyCredential(ServerFixture.Key),
        new OpenAIClientOptions { Endpoint = new Uri(fixture.Address, "/v1") }).GetChatClient("tiny");

    private static readonly ChatMessage[] Messages = [new SystemChatMessage("Be brief."), new UserChatMessage("the whale")];

    /// <summary>What the generation core produces in-process for the same chat and options.</summary>
    private GenerationResult InProcess(SamplingOptions options)
    {
        var template = new ChatTemplate(ServerFixture.Tokenizer);
        var prompt = template.Render([new(Tokenizers.Chat.ChatMessage.System, "Be brief."), new(Tokenizers.Chat.ChatMessage.User, "the whale")], addGenerationPrompt: true).Ids;
        return TextGenerator.Generate(new SessionLogitsSource(EngineModel.Load(fixture.ModelDirectory).NewSession(1)), ServerFixture.Tokenizer, prompt, options,
            stopTokens: new HashSet<int> { template.TurnEndId });
    }

    [Fact]
    public void A_chat_completion_equals_the_generation_core_in_process()
    {
        var completion = Chat().CompleteChat(Messages, new ChatCompletionOptions { Temperature = 0.8f, MaxOutputTokenCount = 12, Seed = 21 }).Value;
        var expected = InProcess(new SamplingOptions { Temperature = 0.8, TopK = 0, MaxNewTokens = 12, Seed = 21 });
        Assert.Equal(expected.Text, completion.Content[0].Text);
        Assert.Equal(expected.Finish == FinishReason.Stop ? ChatFinishReason.Stop : ChatFinishReason.Length, completion.FinishReason);
        Assert.Equal(expected.Tokens.Count, completion.Usage.OutputTokenCount);
        Assert.Equal(ChatMessageRole.Assistant, completion.Role);
        Assert.Equal("tiny", completion.Model);
    }

    [Fact]
    public void Streaming_delivers_the_same_text_and_the_usage()
    {
        var options = new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 15 };
        string whole = Chat().CompleteChat(Messages, options).Value.Content[0].Text;
        var text = new System.Text.StringBuilder();
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;
        foreach (var update in Chat().CompleteChatStreaming(Messages, options))
        {
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            usage ??= update.Usage;
            finish ??= update.FinishReason;
        }
        Assert.Equal(whole, text.ToString());
        Assert.NotNull(usage);
        Assert.True(usage!.InputTokenCount > 5);
        Assert.NotNull(finish);
    }

    [Fact]
    public void A_seed_reproduces_a_sample_and_stop_strings_cut_it()
    {
        var options = new ChatCompletionOptions { Temperature = 1.0f, MaxOutputTokenCount = 20, Seed = 5 };
        string first = Chat().CompleteChat(Messages, options).Value.Content[0].Text;
        Assert.Equal(first, Chat().CompleteChat(Messages, options).Value.Content[0].Text);
        Assert.True(first.Length > 6, first);
        string stop = first.Substring(3, 2);
        var stopOptions = new ChatCompletionOptions { Temperature = 1.0f, MaxOutputTokenCount = 20, Seed = 5 };
        stopOptions.StopSequences.Add(stop);
        var cut = Chat().CompleteChat(Messages, stopOptions).Value;
        Assert.Equal(first[..first.IndexOf(stop, StringComparison.Ordinal)], cut.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, cut.FinishReason);
    }

    [Fact]
    public void Log_probabilities_come_per_token_with_the_top_alternatives()
    {
        var completion = Chat().CompleteChat(Messages, new ChatCompletionOptions
        {
            Temperature = 0, MaxOutputTokenCount = 8, IncludeLogProbabilities = true, TopLogProbabilityCount = 3,
        }).Value;
        var expected = InProcess(new SamplingOptions { Temperature = 0, MaxNewTokens = 8, LogProbabilities = 3 });
        Assert.Equal(expected.Tokens.Count, completion.ContentTokenLogProbabilities.Count);
        for (int i = 0; i < expected.Tokens.Count; i++)
        {
            var token = completion.ContentTokenLogProbabilities[i];
            Assert.Equal(expected.LogProbabilities![i].Chosen.LogProbability, token.LogProbability, 1e-5);
            Assert.Equal(3, token.TopLogProbabilities.Count);
            Assert.Equal(token.LogProbability, token.TopLogProbabilities[0].LogProbability, 1e-5); // greedy: the chosen token is the most likely
        }
        Assert.Equal(completion.Content[0].Text, string.Concat(completion.ContentTokenLogProbabilities.Select(t => System.Text.Encoding.UTF8.GetString(t.Utf8Bytes!.Value.Span))));
    }

    [Fact]
    public void A_json_schema_response_format_always_parses_and_validates()
    {
        var schema = BinaryData.FromString("""{"type":"object","properties":{"ship":{"type":"string","maxLength":12},"mast":{"type":"integer"}},"required":["ship","mast"]}""");
        for (int seed = 0; seed < 4; seed++)
        {
            var completion = Chat().CompleteChat(Messages, new ChatCompletionOptions
            {
                Temperature = 1.0f, Seed = seed, MaxOutputTokenCount = 100,
                ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat("ship", schema, jsonSchemaIsStrict: true),
            }).Value;
            using var document = JsonDocument.Parse(completion.Content[0].Text);
            Assert.Equal(JsonValueKind.String, document.RootElement.GetProperty("ship").ValueKind);
            Assert.True(document.RootElement.GetProperty("mast").TryGetInt64(out _));
        }
    }

    [Fact]
    public void The_model_list_names_the_served_model()
    {
        var models = new OpenAIClient(new ApiKeyCredential(ServerFixture.Key), new OpenAIClientOptions { Endpoint = new Uri(fixture.Address, "/v1") })
            .GetOpenAIModelClient().GetModels().Value;
        Assert.Equal("tiny", Assert.Single(models).Id);
    }

    [Fact]
    public void A_wrong_key_is_refused()
    {
        var client = new OpenAIClient(new ApiKeyCredential("sk-wrong"), new OpenAIClientOptions { Endpoint = new Uri(fixture.Address, "/v1") }).GetChatClient("tiny");
        var error = Assert.Throws<ClientResultException>(() => client.CompleteChat(Messages));
        Assert.Equal(401, error.Status);
    }

    private static ChatTool Weather() => ChatTool.CreateFunctionTool("get_weather", "The weather at a port.",
        BinaryData.FromString("""{"type":"object","properties":{"port":{"type":"string","maxLength":10},"days":{"type":"integer"}},"required":["port","days"]}"""));

    private static void AssertWeatherCall(ChatToolCall call)
    {
        Assert.Equal("get_weather", call.FunctionName);
        Assert.StartsWith("call_", call.Id);
        using var arguments = JsonDocument.Parse(call.FunctionArguments);
        Assert.Equal(JsonValueKind.String, arguments.RootElement.GetProperty("port").ValueKind);
        Assert.True(arguments.RootElement.GetProperty("days").TryGetInt64(out _));
    }

    [Fact]
    public void Named_and_required_tool_calls_are_enforced_and_their_arguments_follow_the_schema()
    {
        foreach (var choice in new[] { ChatToolChoice.CreateFunctionChoice("get_weather"), ChatToolChoice.CreateRequiredChoice() })
        {
            var options = new ChatCompletionOptions { Temperature = 1.0f, Seed = 4, MaxOutputTokenCount = 1000, ToolChoice = choice };
            options.Tools.Add(Weather());
            var completion = Chat().CompleteChat(Messages, options).Value;
            Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
            AssertWeatherCall(Assert.Single(completion.ToolCalls));

            // The same call streamed: the SDK assembles it from the tool-call delta.
            var streamedName = new System.Text.StringBuilder();
            var streamedArguments = new System.Text.StringBuilder();
            ChatFinishReason? finish = null;
            foreach (var update in Chat().CompleteChatStreaming(Messages, options))
            {
                foreach (var part in update.ToolCallUpdates)
                {
                    streamedName.Append(part.FunctionName);
                    streamedArguments.Append(part.FunctionArgumentsUpdate?.ToString());
                }
                finish ??= update.FinishReason;
            }
            Assert.Equal(ChatFinishReason.ToolCalls, finish);
            Assert.Equal("get_weather", streamedName.ToString());
            Assert.Equal(completion.ToolCalls[0].FunctionArguments.ToString(), streamedArguments.ToString());
        }
    }

    private static ChatTool Add() => ChatTool.CreateFunctionTool("add", "Adds two integers.",
        BinaryData.FromString("""{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"integer"}},"required":["a","b"]}"""));

    private static ChatTool Shout() => ChatTool.CreateFunctionTool("shout", "Shouts a word.",
        BinaryData.FromString("""{"type":"object","properties":{"word":{"enum":["ahoy","avast"]}},"required":["word"]}"""));

    /// <summary>Checks a call against its function's schema by hand: the declared keys only, each of the right type.</summary>
    private static void AssertValidCall(string name, string argumentsJson)
    {
        using var arguments = JsonDocument.Parse(argumentsJson);
        var root = arguments.RootElement;
        var keys = root.EnumerateObject().Select(p => p.Name).OrderBy(k => k, StringComparer.Ordinal).ToArray();
        switch (name)
        {
            case "get_weather":
                Assert.Equal(["days", "port"], keys);
                Assert.True(root.GetProperty("port").GetString()!.Length <= 10);
                Assert.True(root.GetProperty("days").TryGetInt64(out _));
                break;
            case "add":
                Assert.Equal(["a", "b"], keys);
                Assert.True(root.GetProperty("a").TryGetInt64(out _) && root.GetProperty("b").TryGetInt64(out _));
                break;
            case "shout":
                Assert.Equal(["word"], keys);
                Assert.Contains(root.GetProperty("word").GetString(), new[] { "ahoy", "avast" });
                break;
            default:
                Assert.Fail($"a call to '{name}', which was not offered");
                break;
        }
    }

    [Fact]
    public void A_required_call_among_several_functions_is_one_of_them_with_valid_arguments()
    {
        var called = new HashSet<string>();
        for (int seed = 0; seed < 8; seed++)
        {
            var options = new ChatCompletionOptions { Temperature = 1.0f, Seed = seed, MaxOutputTokenCount = 1000, ToolChoice = ChatToolChoice.CreateRequiredChoice() };
            options.Tools.Add(Weather());
            options.Tools.Add(Add());
            options.Tools.Add(Shout());
            var completion = Chat().CompleteChat(Messages, options).Value;
            Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
            var call = Assert.Single(completion.ToolCalls);
            AssertValidCall(call.FunctionName, call.FunctionArguments.ToString());
            called.Add(call.FunctionName);

            if (seed > 1) continue;
            // Streamed: the id and name first, then the arguments, and the same call as without streaming.
            var name = new System.Text.StringBuilder();
            var streamedArguments = new System.Text.StringBuilder();
            ChatFinishReason? finish = null;
            foreach (var update in Chat().CompleteChatStreaming(Messages, options))
            {
                foreach (var part in update.ToolCallUpdates)
                {
                    name.Append(part.FunctionName);
                    streamedArguments.Append(part.FunctionArgumentsUpdate?.ToString());
                }
                finish ??= update.FinishReason;
            }
            Assert.Equal(ChatFinishReason.ToolCalls, finish);
            Assert.Equal(call.FunctionName, name.ToString());
            Assert.Equal(call.FunctionArguments.ToString(), streamedArguments.ToString());
        }
        Assert.True(called.Count >= 2, $"every seed called {string.Join(", ", called)}: the choice among functions is not left to sampling");
    }

    [Fact]
    public void A_forced_tool_call_streams_its_arguments_while_they_are_generated()
    {
        var choices = new[] { ChatToolChoice.CreateFunctionChoice("get_weather"), ChatToolChoice.CreateRequiredChoice(), ChatToolChoice.CreateRequiredChoice() };
        for (int i = 0; i < choices.Length; i++)
        {
            var options = new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 1000, ToolChoice = choices[i] };
            options.Tools.Add(Weather());
            if (i == 2) options.Tools.Add(Add()); // "required" over two functions: the name is known only once generated
            var call = Assert.Single(Chat().CompleteChat(Messages, options).Value.ToolCalls);

            var names = new List<string>();
            var ids = new List<string>();
            var argumentUpdates = new List<string>();
            ChatFinishReason? finish = null;
            foreach (var update in Chat().CompleteChatStreaming(Messages, options))
            {
                foreach (var part in update.ToolCallUpdates)
                {
                    Assert.Equal(0, part.Index);
                    if (!string.IsNullOrEmpty(part.FunctionName)) names.Add(part.FunctionName);
                    if (!string.IsNullOrEmpty(part.ToolCallId)) ids.Add(part.ToolCallId);
                    string arguments = part.FunctionArgumentsUpdate?.ToString() ?? "";
                    if (arguments.Length > 0)
                    {
                        Assert.Single(names); // the name came before any argument
                        argumentUpdates.Add(arguments);
                    }
                }
                if (update.FinishReason is { } reason) finish = reason;
            }
            Assert.Equal(ChatFinishReason.ToolCalls, finish);
            Assert.Equal([call.FunctionName], names);
            Assert.StartsWith("call_", Assert.Single(ids));
            string streamed = string.Concat(argumentUpdates);
            AssertValidCall(call.FunctionName, streamed);
            Assert.Equal(call.FunctionArguments.ToString(), streamed); // greedy: the same call as without streaming
            Assert.True(argumentUpdates.Count > 1, $"the arguments {streamed} arrived in one update");
        }
    }

    [Fact]
    public void A_conversation_carrying_a_call_and_its_result_continues()
    {
        var options = new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 8 };
        options.Tools.Add(Weather());
        ChatMessage[] conversation =
        [
            new UserChatMessage("the whale"),
            new AssistantChatMessage([ChatToolCall.CreateFunctionToolCall("call_1", "get_weather", BinaryData.FromString("""{"port":"Nantucket","days":2}"""))]),
            new ToolChatMessage("call_1", "calm sea"),
        ];
        var completion = Chat().CompleteChat(conversation, options).Value;
        Assert.True(completion.FinishReason is ChatFinishReason.Stop or ChatFinishReason.Length or ChatFinishReason.ToolCalls);
        Assert.True(completion.Usage.InputTokenCount > 30); // the tool description, the call and its result are all in the prompt
    }
}
