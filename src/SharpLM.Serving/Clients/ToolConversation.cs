using System.Text.Json;
using Microsoft.Extensions.AI;
using SharpLM.Serving.Api;
using TemplateMessage = SharpLM.Tokenizers.Chat.ChatMessage;

namespace SharpLM.Serving.Clients;

/// <summary>
/// Microsoft.Extensions.AI's tool types in the server's terms: ChatOptions.Tools and ToolMode as <see cref="ToolCalls"/>,
/// and a conversation holding FunctionCallContent / FunctionResultContent rendered as the HTTP route renders an
/// assistant's tool_calls and "tool" messages (one user turn of &lt;tool_response&gt; per result).
/// </summary>
internal static class ToolConversation
{
    public static ToolCalls Tools(ChatOptions? options, ServedModel model)
    {
        var functions = (options?.Tools ?? []).Select(tool => tool is AIFunctionDeclaration function
                ? new ToolFunction(function.Name, string.IsNullOrEmpty(function.Description) ? null : function.Description, function.JsonSchema.GetRawText())
                : throw new NotSupportedException($"tool '{tool.Name}' is a {tool.GetType().Name}; only functions are supported."))
            .ToList();
        var (mode, forced) = options?.ToolMode switch
        {
            NoneChatToolMode => (ToolCalls.Mode.None, null),
            RequiredChatToolMode required => (ToolCalls.Mode.Forced, required.RequiredFunctionName),
            _ => (functions.Count == 0 ? ToolCalls.Mode.None : ToolCalls.Mode.Auto, (string?)null),
        };
        if (mode == ToolCalls.Mode.Forced && functions.Count == 0)
            throw new ArgumentException("ChatOptions.ToolMode requires a call but ChatOptions.Tools offers no function.", nameof(options));
        if (forced is not null && functions.All(f => f.Name != forced))
            throw new ArgumentException($"ChatOptions.ToolMode requires function '{forced}', which ChatOptions.Tools does not offer.", nameof(options));
        try
        {
            return ToolCalls.Create(functions, mode, forced, model);
        }
        catch (RequestError e)
        {
            throw new ArgumentException($"ChatOptions.Tools: {e.Message}", nameof(options));
        }
    }

    public static List<TemplateMessage> Render(IEnumerable<ChatMessage> messages)
    {
        var conversation = new List<TemplateMessage>();
        foreach (var message in messages)
        {
            var results = message.Contents.OfType<FunctionResultContent>().ToList();
            if (message.Role == ChatRole.Tool || results.Count > 0)
            {
                foreach (var result in results) conversation.Add(new TemplateMessage(TemplateMessage.User, ToolCalls.RenderResult(ResultText(result.Result))));
                continue;
            }
            string text = message.Text;
            var calls = message.Contents.OfType<FunctionCallContent>().ToList();
            if (calls.Count > 0)
            {
                if (message.Role != ChatRole.Assistant) throw new NotSupportedException($"function calls in a '{message.Role}' message; only the assistant calls functions.");
                text += ToolCalls.RenderCalls(calls.Select(c => (c.Name, JsonSerializer.Serialize(c.Arguments ?? new Dictionary<string, object?>()))));
            }
            conversation.Add(new TemplateMessage(Role(message.Role), text));
        }
        return conversation;
    }

    /// <summary>A result as the model reads it: a string as it is, anything else as JSON (what FunctionInvokingChatClient returns is usually a JsonElement).</summary>
    private static string ResultText(object? result) => result switch
    {
        null => "null",
        string text => text,
        JsonElement element => element.ValueKind == JsonValueKind.String ? element.GetString()! : element.GetRawText(),
        _ => JsonSerializer.Serialize(result),
    };

    /// <summary>A call's arguments as FunctionCallContent carries them: property name to JSON value.</summary>
    public static Dictionary<string, object?> Arguments(string argumentsJson)
    {
        using var document = JsonDocument.Parse(argumentsJson);
        return document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone());
    }

    private static string Role(ChatRole role) =>
        role == ChatRole.System ? TemplateMessage.System
        : role == ChatRole.User ? TemplateMessage.User
        : role == ChatRole.Assistant ? TemplateMessage.Assistant
        : throw new NotSupportedException($"messages with role '{role}' are not supported (system, user, assistant and tool are).");
}
