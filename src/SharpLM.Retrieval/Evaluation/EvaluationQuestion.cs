using System.Text.Json.Serialization;

namespace SharpLM.Retrieval.Evaluation;

/// <summary>
/// One line of an evaluation set: a query made from a sentence of a document, and the chunks (document id, chunk
/// index) that hold that whole sentence.
/// </summary>
public sealed record EvaluationQuestion
{
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("query")] public required string Query { get; init; }
    [JsonPropertyName("document_id")] public required string DocumentId { get; init; }
    /// <summary>The source sentence's span in the document text.</summary>
    [JsonPropertyName("char_start")] public required int CharStart { get; init; }
    [JsonPropertyName("char_end")] public required int CharEnd { get; init; }
    [JsonPropertyName("gold_chunks")] public required List<int> GoldChunks { get; init; }
}
