using System.Text.Json.Serialization;

namespace SharpLM.Retrieval.Evaluation;

/// <summary>Mean citation precision and recall of a model's answers over the chunks one retrieval method gave it.</summary>
public sealed record CitationScores(
    [property: JsonPropertyName("method")] string Method,
    [property: JsonPropertyName("chunks")] int Chunks,
    [property: JsonPropertyName("citation_precision")] double Precision,
    [property: JsonPropertyName("citation_recall")] double Recall,
    [property: JsonPropertyName("questions")] int Questions,
    /// <summary>Answers that were not a complete answer object (the token budget cut them short); they score 0.</summary>
    [property: JsonPropertyName("unreadable_answers")] int UnreadableAnswers);
