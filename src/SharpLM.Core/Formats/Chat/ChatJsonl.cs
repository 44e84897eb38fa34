using System.Text.Json;
using SharpLM.Core.IO;

namespace SharpLM.Core.Formats.Chat;

/// <summary>
/// Reads supervised fine-tuning data in the shapes people already have, recognised line by line by their keys:
/// <code>
/// {"messages": [{"role": "user", "content": "..."}, {"role": "assistant", "content": "...", "tool_calls": [...]}]}   OpenAI chat
/// {"conversations": [{"from": "human", "value": "..."}, {"from": "gpt", "value": "..."}]}                              ShareGPT
/// {"instruction": "...", "input": "...", "output": "..."}                                                             Alpaca
/// {"prompt": "...", "completion": "..."}   (each a string or a message list)                                          prompt–completion
/// </code>
/// Every line becomes a list of <see cref="ChatTurn"/>s that ends with an assistant turn; a bad line stops the
/// reading with the file, line and field.
/// </summary>
public static class ChatJsonl
{
    private static readonly Dictionary<string, string> ShareGptRoles = new()
    {
        ["system"] = ChatTurn.System, ["human"] = ChatTurn.User, ["user"] = ChatTurn.User, ["gpt"] = ChatTurn.Assistant,
        ["assistant"] = ChatTurn.Assistant, ["function_call"] = ChatTurn.Assistant, ["observation"] = ChatTurn.Tool,
        ["tool"] = ChatTurn.Tool,
    };

    public static IEnumerable<ChatExample> Read(string path)
    {
        foreach (var (number, utf8) in JsonlLines.Read(path, "chat JSONL"))
        {
            var fields = new ChatFields(path, number);
            using var document = Parse(utf8, fields);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw fields.LineError($"the line is {ChatFields.Kind(root)}, expected an object");
            var turns = Conversation(root, fields);
            if (turns[^1].Role != ChatTurn.Assistant)
                throw fields.LineError($"the conversation ends with a '{turns[^1].Role}' turn; it must end with an assistant turn to train on");
            yield return new ChatExample(turns, number);
        }
    }

    internal static JsonDocument Parse(ReadOnlyMemory<byte> utf8, ChatFields fields)
    {
        try
        {
            return JsonDocument.Parse(utf8);
        }
        catch (JsonException e)
        {
            throw fields.LineError($"not valid JSON ({JsonFile.FirstSentence(e.Message)})");
        }
    }

    private static List<ChatTurn> Conversation(JsonElement root, ChatFields fields)
    {
        if (root.TryGetProperty("messages", out var messages)) return fields.Messages(messages, "messages");
        if (root.TryGetProperty("conversations", out var conversations)) return ShareGpt(conversations, fields);
        if (root.TryGetProperty("instruction", out _)) return Alpaca(root, fields);
        if (root.TryGetProperty("prompt", out _) || root.TryGetProperty("completion", out _)) return PromptCompletion(root, fields);
        throw fields.LineError("has none of the fields 'messages', 'conversations', 'instruction' or 'prompt'/'completion'");
    }

    private static List<ChatTurn> ShareGpt(JsonElement array, ChatFields fields)
    {
        if (array.ValueKind != JsonValueKind.Array) throw fields.Error("conversations", $"is {ChatFields.Kind(array)}, expected a list of turns");
        var turns = new List<ChatTurn>();
        int i = 0;
        foreach (var turn in array.EnumerateArray())
        {
            string at = $"conversations[{i++}]";
            if (turn.ValueKind != JsonValueKind.Object) throw fields.Error(at, $"is {ChatFields.Kind(turn)}, expected a turn object");
            string from = fields.String(fields.Required(turn, "from", at + ".from"), at + ".from");
            if (!ShareGptRoles.TryGetValue(from, out string? role))
                throw fields.Error(at + ".from", $"is '{from}'; use {string.Join(", ", ShareGptRoles.Keys)}");
            turns.Add(new ChatTurn(role, fields.String(fields.Required(turn, "value", at + ".value"), at + ".value")));
        }
        if (turns.Count == 0) throw fields.Error("conversations", "is an empty list");
        return turns;
    }

    /// <summary>Alpaca: the user turn is the instruction, then a blank line and the input when there is one.</summary>
    private static List<ChatTurn> Alpaca(JsonElement root, ChatFields fields)
    {
        string instruction = fields.String(root.GetProperty("instruction"), "instruction", allowEmpty: false);
        string input = fields.OptionalString(root, "input", "input") ?? "";
        string output = fields.String(fields.Required(root, "output", "output"), "output", allowEmpty: false);
        var turns = new List<ChatTurn>();
        if (fields.OptionalString(root, "system", "system") is { Length: > 0 } system) turns.Add(new ChatTurn(ChatTurn.System, system));
        turns.Add(new ChatTurn(ChatTurn.User, input.Length > 0 ? instruction + "\n\n" + input : instruction));
        turns.Add(new ChatTurn(ChatTurn.Assistant, output));
        return turns;
    }

    /// <summary>TRL's prompt–completion: strings (a user prompt, an assistant completion) or message lists.</summary>
    private static List<ChatTurn> PromptCompletion(JsonElement root, ChatFields fields)
    {
        var prompt = Side(fields.Required(root, "prompt", "prompt"), "prompt", ChatTurn.User, fields);
        var completion = Side(fields.Required(root, "completion", "completion"), "completion", ChatTurn.Assistant, fields);
        if (completion.Any(t => t.Role != ChatTurn.Assistant)) throw fields.Error("completion", "holds a turn that is not the assistant's");
        return [.. prompt, .. completion];
    }

    /// <summary>A string as one turn of <paramref name="role"/>, or a message list as it is.</summary>
    internal static List<ChatTurn> Side(JsonElement value, string field, string role, ChatFields fields) =>
        value.ValueKind == JsonValueKind.String ? [new ChatTurn(role, fields.String(value, field, allowEmpty: false))] : fields.Messages(value, field);
}
