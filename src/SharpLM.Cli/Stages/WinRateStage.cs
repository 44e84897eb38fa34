using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using SharpLM.Cli.Terminal;
using SharpLM.Core.IO;
using SharpLM.Evaluation.Pairwise;
using SharpLM.PostTraining.Judging;
using SharpLM.PostTraining.Rl;

namespace SharpLM.Cli.Stages;

/// <summary>Wins, losses and ties of one model against another, and the win rate with its Wilson interval (a tie counting half).</summary>
public sealed record WinRateSummary(string Model, string Baseline, int Wins, int Losses, int Ties)
{
    public int Games => Wins + Losses + Ties;
    public double Rate => (Wins + 0.5 * Ties) / Games;

    public override string ToString()
    {
        var (lower, upper) = WinRate.Wilson(Wins + 0.5 * Ties, Games);
        return string.Create(CultureInfo.InvariantCulture,
            $"{Wins} wins, {Losses} losses, {Ties} ties; win rate {Rate:F3} (95% Wilson {lower:F3}–{upper:F3}), a tie counting half");
    }
}

/// <summary>
/// Head-to-head judging for `eval win-rate` and the quickstart: both models answer every prompt, the judge prefers one
/// answer, and the judgements go to the pairwise JSONL that `eval report --pairwise` reads.
/// </summary>
public static class WinRateStage
{
    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Judges <paramref name="a"/> against <paramref name="b"/> on every prompt, with a progress bar.</summary>
    public static IReadOnlyList<HeadToHeadResult> Judge(Contestant a, Contestant b, IReadOnlyList<RlPrompt> prompts, int maxNewTokens,
        Func<RlPrompt, string, double> judge) =>
        Display.Progress($"{a.Name} against {b.Name}", prompts.Count, sink =>
        {
            var list = new List<HeadToHeadResult>();
            foreach (var result in HeadToHead.Run(a, b, prompts, maxNewTokens, judge))
            {
                list.Add(result);
                sink.Report(list.Count, $"prompt {list.Count}/{prompts.Count}");
            }
            return list;
        });

    public static WinRateSummary Summarize(IReadOnlyList<HeadToHeadResult> results)
    {
        int wins = results.Count(r => r.Preferred == "a"), losses = results.Count(r => r.Preferred == "b");
        return new WinRateSummary(results[0].A.Model, results[0].B.Model, wins, losses, results.Count - wins - losses);
    }

    /// <summary>Writes the judgements, one a line, atomically: prompt, both answers with their scores, the preferred side and the judge.</summary>
    public static void Write(string path, IEnumerable<HeadToHeadResult> results, string judge) =>
        AtomicFile.WriteAllText(path, string.Concat(results.Select(r => Line(r, judge).ToJsonString(Compact) + "\n")));

    private static JsonObject Line(HeadToHeadResult result, string judge) => new()
    {
        ["line"] = result.Prompt.Line,
        ["prompt"] = new JsonArray([.. result.Prompt.Prompt.Select(t => (JsonNode)new JsonObject { ["role"] = t.Role, ["content"] = t.Content })]),
        ["a"] = Side(result.A),
        ["b"] = Side(result.B),
        ["preferred"] = result.Preferred,
        ["judge"] = judge,
    };

    private static JsonObject Side(JudgedAnswer answer) => new() { ["model"] = answer.Model, ["response"] = answer.Response, ["score"] = answer.Score };
}
