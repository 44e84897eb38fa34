using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace SharpLM.Retrieval.Answering;

/// <summary>
/// The model's two questions about retrieval: what to search for (the last user message rewritten as a standalone
/// query, so a follow-up such as "and after that?" carries its subject from the conversation), and what the chunks
/// found so far still lack (a follow-up query for another round, or nothing). Each reply is a one-field JSON object
/// under the constrained decoder; a reply that is not one (its token budget cut it short) counts as no answer: the
/// original question stands, and no further round is searched.
/// </summary>
public static class SearchQueries
{
    public const string RewriteInstructions =
        "Rewrite the user's last message as one short standalone search query that names its subject, using the conversation "
        + "for context. Reply with a JSON object: {\"query\": \"...\"}.";

    public const string MissingInstructions =
        "Below are a question and the sources found for it so far. If the sources lack information needed to answer, reply "
        + "with a short search query for it; if nothing is missing, reply with an empty query. Reply with a JSON object: {\"query\": \"...\"}.";

    /// <summary>Longest query the schema allows, in characters: short enough for a small model's budget to hold.</summary>
    public const int MaxQueryLength = 120;

    /// <summary>The query to search for the conversation's last user message; the message itself when the model gives none.</summary>
    public static async Task<string> RewriteAsync(IChatClient model, IReadOnlyList<ChatMessage> conversation, string question, ChatOptions options,
        CancellationToken cancellation)
    {
        var messages = new List<ChatMessage> { new(ChatRole.System, RewriteInstructions) };
        messages.AddRange(conversation.Where(m => m.Role != ChatRole.System));
        string? query = await AskAsync(model, messages, options, allowEmpty: false, cancellation);
        return string.IsNullOrWhiteSpace(query) ? question : query.Trim();
    }

    /// <summary>A query for what <paramref name="found"/> lacks to answer <paramref name="question"/>, or null when nothing is.</summary>
    public static async Task<string?> MissingAsync(IChatClient model, string question, IReadOnlyList<NumberedChunk> found, ChatOptions options,
        CancellationToken cancellation)
    {
        var sources = new StringBuilder();
        foreach (var (number, chunk) in found) sources.Append('[').Append(number).Append("] ").Append(chunk.Text).Append('\n');
        var messages = new List<ChatMessage>
        {
            new(ChatRole.System, MissingInstructions),
            new(ChatRole.User, $"Question: {question}\n\nSources:\n{sources}"),
        };
        string? query = await AskAsync(model, messages, options, allowEmpty: true, cancellation);
        return string.IsNullOrWhiteSpace(query) ? null : query.Trim();
    }

    /// <summary>The "query" of the model's reply, or null when the reply is not the object.</summary>
    private static async Task<string?> AskAsync(IChatClient model, List<ChatMessage> messages, ChatOptions options, bool allowEmpty, CancellationToken cancellation)
    {
        var request = options.Clone();
        request.Tools = null;
        request.ToolMode = null;
        request.ResponseFormat = ChatResponseFormat.ForJsonSchema(JsonSerializer.SerializeToElement(Schema(allowEmpty)), "search_query");
        var response = await model.GetResponseAsync(messages, request, cancellation);
        try
        {
            using var reply = JsonDocument.Parse(response.Text);
            return reply.RootElement.TryGetProperty("query", out var query) && query.ValueKind == JsonValueKind.String ? query.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>{"query": string}; a rewrite must say something, a missing-information reply may be empty.</summary>
    public static JsonObject Schema(bool allowEmpty) => new()
    {
        ["type"] = "object",
        ["properties"] = new JsonObject
        {
            ["query"] = new JsonObject { ["type"] = "string", ["minLength"] = allowEmpty ? 0 : 1, ["maxLength"] = MaxQueryLength },
        },
        ["required"] = new JsonArray("query"),
        ["additionalProperties"] = false,
    };
}
