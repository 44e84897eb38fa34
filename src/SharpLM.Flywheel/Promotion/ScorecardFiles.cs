using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SharpLM.Core.IO;
using SharpLM.Core.Reports;

namespace SharpLM.Flywheel.Promotion;

/// <summary>
/// Writes a scorecard as <c>scorecard.json</c> (the decision and every check, for scripts), <c>scorecard.md</c>
/// (the decision, the reasons, the table) and <c>scorecard.png</c> (old beside new for every check with both values).
/// </summary>
public static class ScorecardFiles
{
    public const string JsonName = "scorecard.json", MarkdownName = "scorecard.md", ChartName = "scorecard.png";

    public static void Write(string directory, Scorecard card, string oldPath, string newPath)
    {
        Directory.CreateDirectory(directory);
        var json = new JsonObject
        {
            ["decision"] = card.Decision, ["promote"] = card.Promotes,
            ["old"] = new JsonObject { ["model"] = card.OldModel, ["results"] = Path.GetFullPath(oldPath) },
            ["new"] = new JsonObject { ["model"] = card.NewModel, ["results"] = Path.GetFullPath(newPath) },
            ["max_regression"] = card.MaxRegression,
            ["reasons"] = new JsonArray(card.Failures.Select(c => (JsonNode?)c.Reason).ToArray()),
            ["checks"] = new JsonArray(card.Checks.Select(c => (JsonNode?)new JsonObject
            {
                ["rule"] = c.Rule, ["subject"] = c.Subject, ["old"] = c.Old, ["new"] = c.New, ["limit"] = c.Limit, ["passed"] = c.Passed, ["reason"] = c.Reason,
            }).ToArray()),
            ["missing_in_new"] = new JsonArray(card.MissingInNew.Select(t => (JsonNode?)t).ToArray()),
            ["missing_in_old"] = new JsonArray(card.MissingInOld.Select(t => (JsonNode?)t).ToArray()),
        };
        AtomicFile.WriteAllText(Path.Combine(directory, JsonName), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");

        bool chart = Chart(directory, card);
        var md = new StringBuilder($"# Promotion scorecard: {card.NewModel} against {card.OldModel}\n\n**{card.Decision}**\n\n");
        if (card.Promotes) md.Append("Every check passed.\n\n");
        else
        {
            md.Append("Reasons:\n\n");
            foreach (var failure in card.Failures) md.Append("- ").Append(failure.Reason).Append('\n');
            md.Append('\n');
        }
        md.Append($"Allowed regression: {N(card.MaxRegression)} (in each metric's own units).\n\n| rule | subject | old | new | limit | result |\n|---|---|---:|---:|---:|---|\n");
        foreach (var c in card.Checks)
            md.Append($"| {c.Rule} | {c.Subject.Replace("|", "\\|")} | {N(c.Old)} | {N(c.New)} | {N(c.Limit)} | {(c.Passed switch { true => "pass", false => "FAIL", null => "not compared" })} |\n");
        if (card.MissingInNew.Count > 0) md.Append($"\nMissing from the new results: {string.Join(", ", card.MissingInNew)}.\n");
        if (card.MissingInOld.Count > 0) md.Append($"\nOnly in the new results (not judged): {string.Join(", ", card.MissingInOld)}.\n");
        if (chart) md.Append($"\n![old and new per check]({ChartName})\n");
        md.Append($"\nResults: old `{Path.GetFullPath(oldPath)}`, new `{Path.GetFullPath(newPath)}`.\n");
        AtomicFile.WriteAllText(Path.Combine(directory, MarkdownName), md.ToString());
    }

    private static bool Chart(string directory, Scorecard card)
    {
        var shown = card.Checks.Where(c => c.Old is not null && c.New is not null).ToList();
        if (shown.Count == 0) return false;
        double? yMax = shown.All(c => c.Old is >= 0 and <= 1 && c.New is >= 0 and <= 1) ? 1 : null;
        new GroupedBarChart().Save(Path.Combine(directory, ChartName), $"{card.Decision}: old and new per check", "value", shown.Select(c => c.Subject).ToList(),
        [
            new BarSeries($"old: {card.OldModel}", ChartPalette.Series(0), shown.Select(c => c.Old).ToList()),
            new BarSeries($"new: {card.NewModel}", ChartPalette.Series(1), shown.Select(c => c.New).ToList()),
        ], yMax);
        return true;
    }

    private static string N(double? value) => value is { } v ? v.ToString("0.####", CultureInfo.InvariantCulture) : "";
}
