using System.Text.Json;

namespace SharpLM.Core.Formats.Chat;

/// <summary>
/// How an assistant's tool calls become text the model learns to write: one
/// <c>&lt;tool_call&gt;\n{"name": ..., "arguments": ...}\n&lt;/tool_call&gt;</c> block per call after the message's
/// content (the layout Qwen2.5's chat template uses), so a server can parse them back from generated text.
/// </summary>
public static class ToolCallText
{
    public const string Open = "<tool_call>", Close = "</tool_call>";

    /// <summary>One call as its block; <paramref name="arguments"/> is the JSON the call passes (an object, or a string holding one).</summary>
    public static string Block(string name, JsonElement arguments)
    {
        string argumentsJson = arguments.ValueKind == JsonValueKind.String ? arguments.GetString()! : arguments.GetRawText();
        return $"{Open}\n{{\"name\": {JsonSerializer.Serialize(name)}, \"arguments\": {argumentsJson}}}\n{Close}";
    }

    /// <summary>The content followed by the call blocks, one per line.</summary>
    public static string Append(string content, IEnumerable<string> blocks)
    {
        var parts = new List<string>();
        if (content.Length > 0) parts.Add(content);
        parts.AddRange(blocks);
        return string.Join("\n", parts);
    }
}
