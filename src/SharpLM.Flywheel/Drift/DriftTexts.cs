using System.Text.Json;
using System.Text.Json.Nodes;
using SharpLM.Core;
using SharpLM.Core.IO;

namespace SharpLM.Flywheel.Drift;

/// <summary>
/// The user-side text of each line of a JSONL: a <c>text</c> or <c>prompt</c> string, or the user turns of a
/// <c>messages</c> (or <c>prompt</c>) list of chat messages, joined by newlines. This covers pretraining text,
/// chat SFT data, TRL preference rows and captured prompts; assistant turns are left out because drift is about
/// what users ask.
/// </summary>
public static class DriftTexts
{
    public static IReadOnlyList<string> Load(string path, string what)
    {
        var texts = new List<string>();
        foreach (var (number, utf8) in JsonlLines.Read(path, what))
        {
            JsonObject line;
            try
            {
                line = JsonNode.Parse(utf8.Span) as JsonObject ?? throw new SharpLMException($"{path}:{number}: each line of the {what} is a JSON object.");
            }
            catch (JsonException)
            {
                throw new SharpLMException($"{path}:{number}: not valid JSON.");
            }
            texts.Add(Text(line) ?? throw new SharpLMException($"{path}:{number}: no field 'text', 'prompt' or 'messages' with user text."));
        }
        if (texts.Count == 0) throw new SharpLMException($"{path}: the {what} holds no lines.");
        return texts;
    }

    private static string? Text(JsonObject line)
    {
        foreach (string field in new[] { "text", "prompt" })
            if (line[field] is JsonValue v && v.TryGetValue(out string? s)) return s;
        var messages = line["messages"] as JsonArray ?? line["prompt"] as JsonArray;
        if (messages is null) return null;
        var user = messages.OfType<JsonObject>().Where(m => (string?)(m["role"] as JsonValue) == "user")
            .Select(m => m["content"] is JsonValue c && c.TryGetValue(out string? s) ? s : null).OfType<string>().ToList();
        return user.Count == 0 ? null : string.Join("\n", user);
    }
}
