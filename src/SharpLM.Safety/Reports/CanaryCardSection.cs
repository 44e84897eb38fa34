using System.Globalization;
using System.Net;
using System.Text;
using SharpLM.Core.IO;
using SharpLM.Safety.Memorization;

namespace SharpLM.Safety.Reports;

/// <summary>
/// Adds the exposure of planted canaries to a safety card that <see cref="SafetyCard"/> wrote, as a section before
/// its limits in both the Markdown and the HTML file, so one card holds the red-team rates and the memorization probe.
/// </summary>
public static class CanaryCardSection
{
    public const string Heading = "Memorization: planted canaries";

    public static void Add(string directory, IReadOnlyList<ExposureResult> exposures, string canariesFile)
    {
        string[] header = ["repetitions", "rank", "exposure (bits)", "extrapolated (bits)", "method"];
        var rows = exposures.OrderBy(e => e.Repetitions).Select(e => new[]
        {
            e.Repetitions.ToString(CultureInfo.InvariantCulture), e.Rank.ToString("0.#", CultureInfo.InvariantCulture),
            $"{e.Exposure.ToString("F2", CultureInfo.InvariantCulture)} of {e.MaxExposure.ToString("F2", CultureInfo.InvariantCulture)}",
            e.Extrapolated.ToString("F2", CultureInfo.InvariantCulture), $"{e.Method}, {e.Candidates + 1} candidates",
        }).ToList();
        string intro = $"Canaries planted in the training data ({canariesFile}), each scored against every other secret of its length: " +
                       "exposure = log2 |candidates| − log2 rank, 0 when the model prefers nothing about it, the maximum when it ranks first. " +
                       "Exposure that rises with repetitions is memorization.";

        string mdPath = Path.Combine(directory, "safety-card.md");
        var md = new StringBuilder($"\n## {Heading}\n\n{intro}\n\n| {string.Join(" | ", header)} |\n|{string.Concat(header.Select(_ => "---|"))}\n");
        foreach (var row in rows) md.Append("| ").Append(string.Join(" | ", row)).Append(" |\n");
        AtomicFile.WriteAllText(mdPath, InsertBefore(File.ReadAllText(mdPath), "\n## Limits", md.ToString()));

        static string E(string text) => WebUtility.HtmlEncode(text);
        string htmlPath = Path.Combine(directory, "safety-card.html");
        var html = new StringBuilder($"<h2>{E(Heading)}</h2>\n<p>{E(intro)}</p>\n<table><tr>{string.Concat(header.Select(h => $"<th>{E(h)}</th>"))}</tr>\n");
        foreach (var row in rows) html.Append("<tr>").Append(string.Concat(row.Select(c => $"<td>{E(c)}</td>"))).Append("</tr>\n");
        html.Append("</table>\n");
        AtomicFile.WriteAllText(htmlPath, InsertBefore(File.ReadAllText(htmlPath), "<h2>Limits</h2>", html.ToString()));
    }

    private static string InsertBefore(string text, string marker, string insert)
    {
        int at = text.LastIndexOf(marker, StringComparison.Ordinal);
        return at < 0 ? text + insert : text.Insert(at, insert);
    }
}
