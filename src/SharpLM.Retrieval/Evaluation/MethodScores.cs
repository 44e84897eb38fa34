using System.Text.Json.Serialization;

namespace SharpLM.Retrieval.Evaluation;

/// <summary>Mean metrics of one retrieval method over an evaluation set.</summary>
public sealed record MethodScores(
    [property: JsonPropertyName("method")] string Method,
    [property: JsonPropertyName("k")] int K,
    [property: JsonPropertyName("precision_at_k")] double PrecisionAtK,
    [property: JsonPropertyName("recall_at_k")] double RecallAtK,
    [property: JsonPropertyName("mrr")] double Mrr,
    [property: JsonPropertyName("ndcg_at_10")] double NdcgAt10,
    [property: JsonPropertyName("questions")] int Questions);
