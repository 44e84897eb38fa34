using System.Text;
using System.Text.Json.Nodes;

namespace SharpLM.Retrieval.Answering;

/// <summary>The instructions, the numbered context and the answer schema of a retrieval-augmented request.</summary>
public static class RagPrompt
{
    public const string Instructions =
        "Answer the question using only the numbered sources below. Cite every source you use by its number in square brackets, "
        + "like [1]. Reply with a JSON object: {\"answer\": \"...\", \"citations\": [numbers of the sources used]}.";

    /// <summary>Longest answer text the schema allows by default, in characters.</summary>
    public const int DefaultMaxAnswerLength = 800;

    public static string Context(IReadOnlyList<NumberedChunk> chunks)
    {
        var text = new StringBuilder(Instructions).Append("\n\n");
        foreach (var (number, chunk) in chunks)
            text.Append('[').Append(number).Append("] (").Append(chunk.DocumentId).Append(")\n").Append(chunk.Text).Append("\n\n");
        return text.ToString().TrimEnd() + "\n";
    }

    /// <summary>
    /// The JSON schema of the answer object for <paramref name="count"/> numbered chunks: the constrained decoder can
    /// then only write citations that are numbers of retrieved chunks (an enum of 1..count), at least one of them.
    /// </summary>
    public static JsonObject Schema(int count, int maxAnswerLength = DefaultMaxAnswerLength)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), "an answer needs at least one retrieved chunk to cite.");
        var numbers = new JsonArray(Enumerable.Range(1, count).Select(n => (JsonNode)n).ToArray());
        return new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["answer"] = new JsonObject { ["type"] = "string", ["maxLength"] = maxAnswerLength },
                ["citations"] = new JsonObject
                {
                    ["type"] = "array",
                    ["items"] = new JsonObject { ["type"] = "integer", ["enum"] = numbers },
                    ["minItems"] = 1,
                    ["maxItems"] = count,
                },
            },
            ["required"] = new JsonArray("answer", "citations"),
            ["additionalProperties"] = false,
        };
    }
}
