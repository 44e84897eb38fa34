using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SharpLM.Core.IO;
using SharpLM.Core.Reports;

namespace SharpLM.Flywheel.Drift;

/// <summary>
/// Writes a drift report: <c>drift.json</c> (every figure), <c>drift.md</c> (charts linked), <c>drift.html</c>
/// (self-contained, charts embedded), <c>lengths.png</c> (share of texts per length bin) and <c>topics.png</c>.
/// </summary>
public static class DriftFiles
{
    public const string JsonName = "drift.json", MarkdownName = "drift.md", HtmlName = "drift.html", LengthChart = "lengths.png", TopicChart = "topics.png";

    public static void Write(string directory, DriftReport report, string promptsPath, string trainingPath)
    {
        Directory.CreateDirectory(directory);
        new GroupedBarChart().Save(Path.Combine(directory, LengthChart), "prompt length in words: share of texts per bin", "share", report.Lengths.Select(b => b.Label).ToList(),
        [
            new BarSeries($"training ({report.TrainingTexts})", ChartPalette.Series(0), report.Lengths.Select(b => (double?)b.TrainingCount / report.TrainingTexts).ToList()),
            new BarSeries($"prompts ({report.Prompts})", ChartPalette.Series(1), report.Lengths.Select(b => (double?)b.PromptCount / report.Prompts).ToList()),
        ], 1);
        new GroupedBarChart().Save(Path.Combine(directory, TopicChart), "topic share", "share", report.Topics.Select(t => t.Topic).ToList(),
        [
            new BarSeries("training", ChartPalette.Series(0), report.Topics.Select(t => (double?)t.TrainingShare).ToList()),
            new BarSeries("prompts", ChartPalette.Series(1), report.Topics.Select(t => (double?)t.PromptShare).ToList()),
        ], 1);

        var json = new JsonObject
        {
            ["prompts"] = new JsonObject { ["path"] = Path.GetFullPath(promptsPath), ["texts"] = report.Prompts, ["mean_words"] = report.PromptMeanWords },
            ["training"] = new JsonObject { ["path"] = Path.GetFullPath(trainingPath), ["texts"] = report.TrainingTexts, ["mean_words"] = report.TrainingMeanWords },
            ["length"] = new JsonObject
            {
                ["unit"] = "words", ["ks_statistic"] = report.KolmogorovSmirnov, ["ks_p_value"] = report.KolmogorovSmirnovPValue, ["psi"] = report.PopulationStability,
                ["bins"] = new JsonArray(report.Lengths.Select(b => (JsonNode?)new JsonObject { ["bin"] = b.Label, ["training"] = b.TrainingCount, ["prompts"] = b.PromptCount }).ToArray()),
            },
            ["topics"] = new JsonArray(report.Topics.Select(Topic).ToArray()),
            ["grown_topics"] = new JsonArray(report.Grown.Select(Topic).ToArray()),
            ["emerging_terms"] = new JsonArray(report.Emerging.Select(t => (JsonNode?)new JsonObject { ["term"] = t.Term, ["training_share"] = t.TrainingShare, ["prompt_share"] = t.PromptShare }).ToArray()),
        };
        AtomicFile.WriteAllText(Path.Combine(directory, JsonName), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");

        var sections = Sections(report);
        var md = new StringBuilder("# Drift report\n\n");
        var html = new StringBuilder("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Drift report</title><style>")
            .Append("body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px}img{max-width:100%}</style></head><body>\n<h1>Drift report</h1>\n");
        foreach (var (title, text, header, rows, chart) in sections)
        {
            md.Append($"## {title}\n\n{text}\n\n");
            html.Append($"<h2>{E(title)}</h2>\n<p>{E(text)}</p>\n");
            if (rows.Count > 0)
            {
                md.Append("| ").Append(string.Join(" | ", header)).Append(" |\n|").Append(string.Concat(header.Select(_ => "---|"))).Append('\n');
                foreach (var row in rows) md.Append("| ").Append(string.Join(" | ", row)).Append(" |\n");
                md.Append('\n');
                html.Append("<table><tr>").Append(string.Concat(header.Select(h => $"<th>{E(h)}</th>"))).Append("</tr>\n");
                foreach (var row in rows) html.Append("<tr>").Append(string.Concat(row.Select(c => $"<td>{E(c)}</td>"))).Append("</tr>\n");
                html.Append("</table>\n");
            }
            if (chart is not null)
            {
                md.Append($"![{title}]({chart})\n\n");
                html.Append($"<img alt=\"{E(title)}\" src=\"data:image/png;base64,{Convert.ToBase64String(File.ReadAllBytes(Path.Combine(directory, chart)))}\">\n");
            }
        }
        md.Append($"Prompts: `{Path.GetFullPath(promptsPath)}`; training data: `{Path.GetFullPath(trainingPath)}`.\n");
        html.Append("</body></html>\n");
        AtomicFile.WriteAllText(Path.Combine(directory, MarkdownName), md.ToString());
        AtomicFile.WriteAllText(Path.Combine(directory, HtmlName), html.ToString());
    }

    private static List<(string Title, string Text, string[] Header, List<string[]> Rows, string? Chart)> Sections(DriftReport r) =>
    [
        ("Prompt length", $"{r.Prompts} prompts against {r.TrainingTexts} training texts; mean {F(r.PromptMeanWords)} words now, {F(r.TrainingMeanWords)} in training. "
            + $"Two-sample Kolmogorov-Smirnov D = {F(r.KolmogorovSmirnov)} (asymptotic p = {F(r.KolmogorovSmirnovPValue)}); population stability index over the training deciles = {F(r.PopulationStability)} "
            + "(by custom, below 0.1 stable, 0.1 to 0.25 a moderate shift, above 0.25 a large one).",
            ["words", "training", "prompts"], r.Lengths.Select(b => new[] { b.Label, I(b.TrainingCount), I(b.PromptCount) }).ToList(), LengthChart),
        ("Topics", $"Keyword topics learned from the training data (one top TF-IDF keyword a topic, texts without one are 'other'). Topics whose share grew by {F(DriftReport.FlagGrowth)} or more: "
            + (r.Grown.Count == 0 ? "none." : string.Join(", ", r.Grown.Select(t => $"{t.Topic} (+{F(t.Growth)})")) + "."),
            ["topic", "training", "prompts", "training share", "prompt share", "growth"],
            r.Topics.Select(t => new[] { t.Topic, I(t.TrainingCount), I(t.PromptCount), F(t.TrainingShare), F(t.PromptShare), F(t.Growth) }).ToList(), TopicChart),
        ("Emerging terms", "Words in at least two prompts whose share of prompts most exceeds their share of training texts.",
            ["term", "training share", "prompt share"], r.Emerging.Select(t => new[] { t.Term, F(t.TrainingShare), F(t.PromptShare) }).ToList(), null),
    ];

    private static JsonNode? Topic(TopicShare t) => new JsonObject
    {
        ["topic"] = t.Topic, ["training"] = t.TrainingCount, ["prompts"] = t.PromptCount, ["training_share"] = t.TrainingShare, ["prompt_share"] = t.PromptShare, ["growth"] = t.Growth,
    };

    private static string F(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);
    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);
    private static string E(string text) => WebUtility.HtmlEncode(text);
}
