using System.Text;
using System.Text.RegularExpressions;

namespace SharpLM.PostTraining.Rl;

/// <summary>
/// The verifier reward: 1 when a completion's final answer equals the reference's, else 0. The final answer follows
/// the evaluation tasks' scoring: the number after "#### " (gsm8k's strict match, commas, dollars and a final period
/// dropped) when there is one, otherwise the whole text, trimmed, with case, punctuation and runs of spaces ignored
/// (the capitals tasks' match). The evaluation stage expresses these rules as task YAML run by its own engine; this
/// small extractor keeps post-training from depending on the evaluation stage for two string rules.
/// </summary>
public static partial class FinalAnswer
{
    public static string Extract(string text)
    {
        var strict = Gsm8kAnswer().Match(text);
        if (strict.Success) return strict.Groups[1].Value.Replace(",", "").Replace("$", "").TrimEnd('.');
        var kept = new StringBuilder(text.Length);
        foreach (char c in text.Trim().ToLowerInvariant())
            if (!char.IsPunctuation(c)) kept.Append(c);
        return Spaces().Replace(kept.ToString(), " ").Trim();
    }

    public static double Reward(string completion, string answer) => Extract(completion) == Extract(answer) ? 1.0 : 0.0;

    [GeneratedRegex(@"#### \$?(\-?[0-9\.\,]+)")]
    private static partial Regex Gsm8kAnswer();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
