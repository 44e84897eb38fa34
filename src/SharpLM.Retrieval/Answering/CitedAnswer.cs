using System.Text.Json;
using System.Text.Json.Serialization;
using SharpLM.Core;
using SharpLM.Core.IO;

namespace SharpLM.Retrieval.Answering;

/// <summary>The answer object a model writes under <see cref="RagPrompt.Schema"/>.</summary>
public sealed record CitedAnswer
{
    [JsonPropertyName("answer")] public required string Answer { get; init; }
    [JsonPropertyName("citations")] public required List<int> Citations { get; init; }

    /// <summary>Reads the model's output; output that is not such an object (a budget cut it short) is an error naming the field.</summary>
    public static CitedAnswer Parse(string json)
    {
        try
        {
            var answer = JsonSerializer.Deserialize<CitedAnswer>(json);
            if (answer?.Answer is null || answer.Citations is null) throw new SharpLMException("the model's answer lacks the field 'answer' or 'citations'.");
            return answer;
        }
        catch (JsonException e)
        {
            throw new SharpLMException($"the model's answer is not a complete JSON answer object ({JsonFile.FirstSentence(e.Message)}); raise the token budget.");
        }
    }
}
