using System.Text.Encodings.Web;
using System.Text.Json;
using SharpLM.Feedback.Capture;

namespace SharpLM.Feedback.Flywheel;

/// <summary>
/// One candidate line of an output: its JSON, the text it is deduplicated by, and the text checked for
/// contamination (everything it would teach or test).
/// </summary>
internal sealed record FlywheelItem(string FeedbackId, string Json, string KeyText, string FullText)
{
    private static readonly JsonWriterOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string Contents(IEnumerable<CapturedMessage> messages) => string.Join("\n", messages.Select(m => m.Content));

    /// <summary>SFT in OpenAI's messages form: the prompt, then the answer as the assistant's turn.</summary>
    public static FlywheelItem Sft(string feedbackId, IReadOnlyList<CapturedMessage> prompt, string answer)
    {
        string json = Write(w =>
        {
            w.WriteStartArray("messages");
            foreach (var message in prompt) Message(w, message);
            Message(w, new CapturedMessage("assistant", answer));
            w.WriteEndArray();
            w.WriteString("feedback_id", feedbackId);
        });
        string text = Contents(prompt) + "\n" + answer;
        return new FlywheelItem(feedbackId, json, text, text);
    }

    /// <summary>A preference pair in TRL's conversational form: prompt messages, chosen and rejected assistant turns.</summary>
    public static FlywheelItem Preference(string feedbackId, IReadOnlyList<CapturedMessage> prompt, string chosen, string rejected)
    {
        string json = Write(w =>
        {
            w.WriteStartArray("prompt");
            foreach (var message in prompt) Message(w, message);
            w.WriteEndArray();
            w.WriteStartArray("chosen");
            Message(w, new CapturedMessage("assistant", chosen));
            w.WriteEndArray();
            w.WriteStartArray("rejected");
            Message(w, new CapturedMessage("assistant", rejected));
            w.WriteEndArray();
            w.WriteString("feedback_id", feedbackId);
        });
        string text = Contents(prompt) + "\n" + chosen + "\n" + rejected;
        return new FlywheelItem(feedbackId, json, text, text);
    }

    /// <summary>
    /// A failure as an evaluation document: the prompt rendered as "role: content" lines ending "assistant:", the
    /// messages themselves, the correction as the target ("" when the person gave none), and the answer that failed.
    /// </summary>
    public static FlywheelItem Failure(string feedbackId, IReadOnlyList<CapturedMessage> prompt, string? model, string response, string? correction)
    {
        string json = Write(w =>
        {
            w.WriteString("prompt", RenderPrompt(prompt));
            w.WriteStartArray("messages");
            foreach (var message in prompt) Message(w, message);
            w.WriteEndArray();
            w.WriteString("target", correction ?? "");
            w.WriteBoolean("has_target", correction is not null);
            if (model is null) w.WriteNull("model"); else w.WriteString("model", model);
            w.WriteString("failed_response", response);
            w.WriteString("feedback_id", feedbackId);
        });
        string key = Contents(prompt);
        return new FlywheelItem(feedbackId, json, key, correction is null ? key : key + "\n" + correction);
    }

    public static string RenderPrompt(IReadOnlyList<CapturedMessage> prompt) =>
        string.Concat(prompt.Select(m => $"{m.Role}: {m.Content}\n")) + "assistant:";

    private static void Message(Utf8JsonWriter w, CapturedMessage message)
    {
        w.WriteStartObject();
        w.WriteString("role", message.Role);
        w.WriteString("content", message.Content);
        w.WriteEndObject();
    }

    private static string Write(Action<Utf8JsonWriter> fields)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, Relaxed))
        {
            writer.WriteStartObject();
            fields(writer);
            writer.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
