using System.Text.Json;
using System.Text.Json.Nodes;
using SharpLM.Core;
using SharpLM.Core.IO;

namespace SharpLM.Evaluation.Pairwise;

/// <summary>Who a judge preferred in one comparison of two models' answers.</summary>
public enum Preference { A, B, Tie }

/// <summary>One pairwise judgement: models <see cref="A"/> and <see cref="B"/> answered the same prompt and a judge preferred one or neither.</summary>
public sealed record PairwiseJudgement(string A, string B, Preference Preferred)
{
    /// <summary>The score of <see cref="A"/> in this comparison: 1 for a win, ½ for a tie, 0 for a loss.</summary>
    public double ScoreOfA => Preferred switch { Preference.A => 1, Preference.B => 0, _ => 0.5 };
}

/// <summary>
/// Reads a pairwise JSONL: one object a line with <c>a</c>, <c>b</c> (model names) and <c>preferred</c>
/// (<c>"a"</c>, <c>"b"</c> or <c>"tie"</c>). Other fields (prompts, responses, ids that the feedback capture
/// records) are ignored. A model's name may sit in a string or in an object's <c>model</c> field, the capture's
/// <c>{"a":{"model":...,"response":...}}</c> shape.
/// </summary>
public static class PairwiseJudgements
{
    public static IReadOnlyList<PairwiseJudgement> Load(string path)
    {
        var judgements = new List<PairwiseJudgement>();
        foreach (var (number, utf8) in JsonlLines.Read(path, "pairwise JSONL"))
        {
            JsonObject line;
            try
            {
                line = JsonNode.Parse(utf8.Span) as JsonObject ?? throw new SharpLMException($"{path}:{number}: a pairwise judgement is a JSON object.");
            }
            catch (JsonException)
            {
                throw new SharpLMException($"{path}:{number}: not valid JSON.");
            }
            string a = Model(line, "a", path, number), b = Model(line, "b", path, number);
            if (a == b) throw new SharpLMException($"{path}:{number}: fields 'a' and 'b' name the same model '{a}'.");
            var preferred = (line["preferred"] as JsonValue)?.TryGetValue(out string? p) == true ? p : null;
            judgements.Add(new PairwiseJudgement(a, b, preferred switch
            {
                "a" => Preference.A,
                "b" => Preference.B,
                "tie" => Preference.Tie,
                _ => throw new SharpLMException($"{path}:{number}: field 'preferred' must be \"a\", \"b\" or \"tie\"."),
            }));
        }
        if (judgements.Count == 0) throw new SharpLMException($"{path}: the pairwise JSONL holds no judgements.");
        return judgements;
    }

    private static string Model(JsonObject line, string field, string path, long number)
    {
        var node = line[field] is JsonObject side ? side["model"] : line[field];
        return (node as JsonValue)?.TryGetValue(out string? name) == true && !string.IsNullOrWhiteSpace(name) ? name
            : throw new SharpLMException($"{path}:{number}: field '{field}' must name a model (a string, or an object with a 'model' string).");
    }
}
