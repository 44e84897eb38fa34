using System.Text.Json;

namespace SharpLM.Core.Formats.Chat;

/// <summary>
/// Reads the fields of one JSONL line of chat data; every problem names the file, line and field
/// ("data.jsonl:7: field 'messages[2].role' ...").
/// </summary>
internal sealed class ChatFields(string path, long line)
{
    public SharpLMException Error(string field, string problem) => new($"{path}:{line}: field '{field}' {problem}.");

    public SharpLMException LineError(string problem) => new($"{path}:{line}: {problem}.");

    public string String(JsonElement element, string field, bool allowEmpty = true)
    {
        if (element.ValueKind != JsonValueKind.String) throw Error(field, $"is {Kind(element)}, expected a string");
        string value = element.GetString()!;
        if (!allowEmpty && value.Length == 0) throw Error(field, "is empty");
        return value;
    }

    public JsonElement Required(JsonElement obj, string name, string field)
    {
        if (obj.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null) return value;
        throw Error(field, "is missing");
    }

    public string? OptionalString(JsonElement obj, string name, string field) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? String(value, field) : null;

    /// <summary>An OpenAI-style message list: [{"role", "content", "tool_calls"?}, ...].</summary>
    public List<ChatTurn> Messages(JsonElement array, string field)
    {
        if (array.ValueKind != JsonValueKind.Array) throw Error(field, $"is {Kind(array)}, expected a list of messages");
        var turns = new List<ChatTurn>();
        int i = 0;
        foreach (var message in array.EnumerateArray())
        {
            string at = $"{field}[{i++}]";
            if (message.ValueKind != JsonValueKind.Object) throw Error(at, $"is {Kind(message)}, expected a message object");
            string role = String(Required(message, "role", at + ".role"), at + ".role");
            if (!ChatTurn.Roles.Contains(role)) throw Error(at + ".role", $"is '{role}'; use system, user, assistant or tool");
            string content = message.TryGetProperty("content", out var c) && c.ValueKind != JsonValueKind.Null ? Content(c, at + ".content") : "";
            if (message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind != JsonValueKind.Null)
            {
                if (role != ChatTurn.Assistant) throw Error(at + ".tool_calls", $"is on a '{role}' message; only assistant messages call tools");
                content = ToolCallText.Append(content, ToolCalls(calls, at + ".tool_calls"));
            }
            else if (c.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null) throw Error(at + ".content", "is missing");
            turns.Add(new ChatTurn(role, content));
        }
        if (turns.Count == 0) throw Error(field, "is an empty list");
        return turns;
    }

    /// <summary>A string, or OpenAI's list of content parts of which only text parts are read.</summary>
    private string Content(JsonElement content, string field)
    {
        if (content.ValueKind == JsonValueKind.String) return content.GetString()!;
        if (content.ValueKind != JsonValueKind.Array) throw Error(field, $"is {Kind(content)}, expected a string or a list of text parts");
        var text = new System.Text.StringBuilder();
        int i = 0;
        foreach (var part in content.EnumerateArray())
        {
            string at = $"{field}[{i++}]";
            if (part.ValueKind != JsonValueKind.Object) throw Error(at, $"is {Kind(part)}, expected a content part object");
            string type = String(Required(part, "type", at + ".type"), at + ".type");
            if (type != "text") throw Error(at + ".type", $"is '{type}'; only text parts can be trained on");
            text.Append(String(Required(part, "text", at + ".text"), at + ".text"));
        }
        return text.ToString();
    }

    private IEnumerable<string> ToolCalls(JsonElement calls, string field)
    {
        if (calls.ValueKind != JsonValueKind.Array) throw Error(field, $"is {Kind(calls)}, expected a list of tool calls");
        var blocks = new List<string>();
        int i = 0;
        foreach (var call in calls.EnumerateArray())
        {
            string at = $"{field}[{i++}]";
            if (call.ValueKind != JsonValueKind.Object) throw Error(at, $"is {Kind(call)}, expected a tool call object");
            var function = Required(call, "function", at + ".function");
            if (function.ValueKind != JsonValueKind.Object) throw Error(at + ".function", $"is {Kind(function)}, expected an object");
            string name = String(Required(function, "name", at + ".function.name"), at + ".function.name", allowEmpty: false);
            var arguments = Required(function, "arguments", at + ".function.arguments");
            if (arguments.ValueKind == JsonValueKind.String && !IsJsonObject(arguments.GetString()!))
                throw Error(at + ".function.arguments", "is a string that does not hold a JSON object");
            if (arguments.ValueKind is not (JsonValueKind.String or JsonValueKind.Object))
                throw Error(at + ".function.arguments", $"is {Kind(arguments)}, expected an object or a JSON string");
            blocks.Add(ToolCallText.Block(name, arguments));
        }
        return blocks;
    }

    private static bool IsJsonObject(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    public static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "missing",
    };
}
