using System.Globalization;
using System.Net;
using System.Text;
using SharpLM.Core.IO;
using SharpLM.Safety.Catalogue;
using SharpLM.Safety.Metrics;

namespace SharpLM.Safety.Reports;

/// <summary>
/// The safety card: the headline rates and the per-category and per-transform tables, as Markdown and as one
/// self-contained HTML file (no external styles, scripts or images), plus the limits of what the judges can see.
/// </summary>
public static class SafetyCard
{
    private static readonly string[] Limits =
    [
        "Refusal strings see wording, not content: an answer that declines in other words counts as a success for the attack, and a harmful answer that mentions a listed word counts as a refusal.",
        "A guard model's verdict is only as good as the guard; its grammar is enforced, its judgement is not.",
        "Benign twins are asked plainly; over-refusal under attack framing is not measured.",
        "Probes state intents, not operational detail, so a high attack success rate shows willingness to comply, not the harm an answer could do.",
    ];

    public static void Write(string directory, string target, RedTeamSummary summary)
    {
        var charts = SafetyCharts.Write(directory, summary);
        AtomicFile.WriteAllText(Path.Combine(directory, "safety-card.md"), Markdown(target, summary, charts));
        AtomicFile.WriteAllText(Path.Combine(directory, "safety-card.html"), Html(target, summary, charts.Select(c => (c.Title, File.ReadAllBytes(Path.Combine(directory, c.File)))).ToList()));
    }

    public static string Format(Proportion p) => p.Trials == 0 ? "–"
        : string.Create(CultureInfo.InvariantCulture, $"{p.Rate:P1} [{p.Lower:P1}, {p.Upper:P1}] ({p.Successes}/{p.Trials})");

    private static IEnumerable<string[]> CategoryRows(RedTeamSummary s) =>
        s.ByCategory.Select(r => new[] { $"{r.Group} {HazardCategory.Name(r.Group)}", Format(r.AttackSuccess), Format(r.Refusal), r.OverRefusal is { } o ? Format(o) : "–" });

    private static IEnumerable<string[]> TransformRows(RedTeamSummary s) =>
        s.ByTransform.Select(r => new[] { r.Group, Format(r.AttackSuccess), Format(r.Refusal) });

    private static string Markdown(string target, RedTeamSummary s, IReadOnlyList<(string File, string Title)> charts)
    {
        var md = new StringBuilder();
        md.Append($"# Safety card: {target}\n\n");
        md.Append($"Rates with Wilson 95% intervals. Attack success is judged by `{s.PrimaryDetector}` (or a leaked canary).\n\n");
        md.Append("| measure | rate |\n|---|---|\n");
        md.Append($"| attack success rate | {Format(s.AttackSuccess)} |\n| refusal rate on harmful probes | {Format(s.Refusal)} |\n| over-refusal on benign twins | {Format(s.OverRefusal)} |\n\n");
        md.Append("## By hazard category\n\n| category | attack success | refusal | over-refusal |\n|---|---|---|---|\n");
        foreach (var row in CategoryRows(s)) md.Append("| ").Append(string.Join(" | ", row)).Append(" |\n");
        md.Append("\n## By transform\n\n| transform | attack success | refusal |\n|---|---|---|\n");
        foreach (var row in TransformRows(s)) md.Append("| ").Append(string.Join(" | ", row)).Append(" |\n");
        if (charts.Count > 0) md.Append("\n## Charts\n\n");
        foreach (var (file, title) in charts) md.Append($"![{title}]({file})\n\n");
        md.Append("\n## Limits\n\n");
        foreach (string limit in Limits) md.Append("- ").Append(limit).Append('\n');
        return md.ToString();
    }

    /// <summary>Charts go in as data URIs, so the one file carries everything.</summary>
    private static string Html(string target, RedTeamSummary s, IReadOnlyList<(string Title, byte[] Png)> charts)
    {
        static string E(string text) => WebUtility.HtmlEncode(text);
        static void Table(StringBuilder html, string[] header, IEnumerable<string[]> rows)
        {
            html.Append("<table><tr>").Append(string.Concat(header.Select(h => $"<th>{E(h)}</th>"))).Append("</tr>\n");
            foreach (var row in rows) html.Append("<tr>").Append(string.Concat(row.Select(c => $"<td>{E(c)}</td>"))).Append("</tr>\n");
            html.Append("</table>\n");
        }
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Safety card: ").Append(E(target)).Append("</title>\n");
        html.Append("<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#222}table{border-collapse:collapse;margin:1em 0}")
            .Append("th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left}th{background:#f3f3f3}</style></head><body>\n");
        html.Append("<h1>Safety card: ").Append(E(target)).Append("</h1>\n");
        html.Append("<p>Rates with Wilson 95% intervals. Attack success is judged by <code>").Append(E(s.PrimaryDetector)).Append("</code> (or a leaked canary).</p>\n");
        Table(html, ["measure", "rate"], [["attack success rate", Format(s.AttackSuccess)], ["refusal rate on harmful probes", Format(s.Refusal)],
            ["over-refusal on benign twins", Format(s.OverRefusal)]]);
        html.Append("<h2>By hazard category</h2>\n");
        Table(html, ["category", "attack success", "refusal", "over-refusal"], CategoryRows(s));
        html.Append("<h2>By transform</h2>\n");
        Table(html, ["transform", "attack success", "refusal"], TransformRows(s));
        foreach (var (title, png) in charts)
            html.Append("<h2>").Append(E(title)).Append("</h2>\n<img alt=\"").Append(E(title)).Append("\" src=\"data:image/png;base64,").Append(Convert.ToBase64String(png)).Append("\">\n");
        html.Append("<h2>Limits</h2>\n<ul>").Append(string.Concat(Limits.Select(l => $"<li>{E(l)}</li>"))).Append("</ul>\n</body></html>\n");
        return html.ToString();
    }
}
