using System.Text.Json;
using SharpLM.Feedback.Capture;
using SharpLM.Serving.Capture;

namespace SharpLM.Serving.Api;

/// <summary>
/// The body of POST /v1/feedback, each bad field a 400 naming it:
/// <code>
/// {"kind":"rating","conversation_id","message_id","model","prompt":[messages],"response","rating":1|-1,"correction"}
/// {"kind":"pairwise","conversation_id","prompt":[messages],"a":{"model","response"},"b":{"model","response"},"preferred":"a"|"b"|"tie"}
/// </code>
/// A missing conversation_id files the judgement under a new conversation ("conv_" + 32 hex digits).
/// </summary>
public static class FeedbackRequest
{
    private static readonly string[] Roles = ["system", "developer", "user", "assistant", "tool"];

    public static FeedbackEntry Read(JsonFields fields)
    {
        string kind = fields.String("kind") ?? throw RequestError.Invalid("kind", "'kind' is required: 'rating' or 'pairwise'.");
        string conversation = fields.String("conversation_id") is { } given ? ExchangeCapture.CheckId(given, "conversation_id") : "conv_" + Guid.NewGuid().ToString("N");
        var prompt = Prompt(fields);
        switch (kind)
        {
            case FeedbackEntry.RatingKind:
                string? messageId = fields.String("message_id") is { } message ? ExchangeCapture.CheckId(message, "message_id") : null;
                string response = fields.String("response") ?? throw RequestError.Invalid("response", "'response' is required: the rated answer.");
                long rating = fields.Integer("rating", -1, 1) ?? throw RequestError.Invalid("rating", "'rating' is required: 1 (good) or -1 (bad).");
                if (rating == 0) throw RequestError.Invalid("rating", "'rating' must be 1 (good) or -1 (bad) (got 0).");
                string? correction = fields.String("correction") is { Length: > 0 } text ? text : null;
                return new RatingFeedback(conversation, messageId, fields.String("model"), prompt, response, (int)rating, correction);
            case FeedbackEntry.PairwiseKind:
                var a = Candidate(fields, "a");
                var b = Candidate(fields, "b");
                string preferred = fields.String("preferred") ?? throw RequestError.Invalid("preferred", "'preferred' is required: 'a', 'b' or 'tie'.");
                if (!PairwiseFeedback.Choices.Contains(preferred)) throw RequestError.Invalid("preferred", $"'preferred' must be 'a', 'b' or 'tie' (got '{preferred}').");
                return new PairwiseFeedback(conversation, prompt, a, b, preferred);
            default:
                throw RequestError.Invalid("kind", $"'kind' must be 'rating' or 'pairwise' (got '{kind}').");
        }
    }

    private static List<CapturedMessage> Prompt(JsonFields fields)
    {
        if (fields.Get("prompt") is not { ValueKind: JsonValueKind.Array } array || array.GetArrayLength() == 0)
            throw RequestError.Invalid("prompt", "'prompt' must be a non-empty array of messages.");
        var messages = new List<CapturedMessage>();
        int index = 0;
        foreach (var element in array.EnumerateArray())
        {
            string where = $"prompt[{index++}]";
            if (element.ValueKind != JsonValueKind.Object) throw RequestError.Invalid(where, $"'{where}' must be a message object.");
            var message = new JsonFields(element);
            string role = Named(message, "role", where) ?? throw RequestError.Invalid(where + ".role", $"'{where}.role' is required.");
            if (!Roles.Contains(role)) throw RequestError.Invalid(where + ".role", $"'{where}.role' must be system, developer, user, assistant or tool (got '{role}').");
            messages.Add(new CapturedMessage(role == "developer" ? "system" : role, Content(message.Get("content"), where + ".content")));
        }
        return messages;
    }

    /// <summary>A message's content: a string, or OpenAI's text parts joined.</summary>
    private static string Content(JsonElement? content, string where)
    {
        if (content is not { } value) return "";
        if (value.ValueKind == JsonValueKind.String) return value.GetString()!;
        if (value.ValueKind != JsonValueKind.Array) throw RequestError.Invalid(where, $"'{where}' must be a string or an array of text parts.");
        var text = new System.Text.StringBuilder();
        int index = 0;
        foreach (var part in value.EnumerateArray())
        {
            string at = $"{where}[{index++}]";
            if (part.ValueKind != JsonValueKind.Object || new JsonFields(part) is var fields && Named(fields, "type", at) != "text")
                throw RequestError.Invalid(at, $"'{at}' must be a text part {{\"type\": \"text\", \"text\": ...}}.");
            text.Append(Named(fields, "text", at) ?? "");
        }
        return text.ToString();
    }

    private static PairwiseCandidate Candidate(JsonFields fields, string name)
    {
        if (fields.Get(name) is not { ValueKind: JsonValueKind.Object } element)
            throw RequestError.Invalid(name, $"'{name}' is required: an object {{\"model\", \"response\"}}.");
        var candidate = new JsonFields(element);
        string response = Named(candidate, "response", name) ?? throw RequestError.Invalid(name + ".response", $"'{name}.response' is required.");
        return new PairwiseCandidate(Named(candidate, "model", name), response);
    }

    /// <summary>A string field of a nested object, its error naming the full path.</summary>
    private static string? Named(JsonFields fields, string field, string parent)
    {
        try
        {
            return fields.String(field);
        }
        catch (RequestError)
        {
            throw RequestError.Invalid($"{parent}.{field}", $"'{parent}.{field}' must be a string.");
        }
    }
}
