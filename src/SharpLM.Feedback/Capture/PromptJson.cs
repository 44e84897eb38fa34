using System.Text.Json;

namespace SharpLM.Feedback.Capture;

/// <summary>A message list as the feedback table's prompt column holds it: OpenAI's [{"role","content"}].</summary>
internal static class PromptJson
{
    public static string Write(IReadOnlyList<CapturedMessage> messages)
    {
        using var buffer = new MemoryStream();
        // Relaxed escaping keeps the stored text as written ('+', '<'), so what is in the file is what a search for it finds.
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartArray();
            foreach (var message in messages)
            {
                writer.WriteStartObject();
                writer.WriteString("role", message.Role);
                writer.WriteString("content", message.Content);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static IReadOnlyList<CapturedMessage> Read(string json, string where)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.EnumerateArray()
                .Select(m => new CapturedMessage(m.GetProperty("role").GetString()!, m.GetProperty("content").GetString()!)).ToList();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            throw new Core.SharpLMException($"{where}: the prompt column is not a JSON list of {{\"role\", \"content\"}} messages.");
        }
    }
}
