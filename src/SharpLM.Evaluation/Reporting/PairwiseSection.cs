using System.Globalization;
using System.Net;
using System.Text;
using SharpLM.Core.Reports;
using SharpLM.Evaluation.Pairwise;

namespace SharpLM.Evaluation.Reporting;

/// <summary>
/// The report card's "Pairwise preference" section: ratings (Bradley–Terry with bootstrap intervals, online Elo),
/// head-to-head win rates with Wilson intervals, and <c>pairwise.png</c>, ratings less 1000 as bars whose whiskers
/// span half the bootstrap interval's width either side (the chart draws symmetric whiskers; the table gives the
/// exact, possibly lopsided, bounds).
/// </summary>
internal static class PairwiseSection
{
    public const string ChartName = "pairwise.png";

    public static void Append(string directory, PairwiseRatings ratings, StringBuilder md, StringBuilder html)
    {
        var models = ratings.Models.Select(m => m.Model).ToList();
        new GroupedBarChart().Save(Path.Combine(directory, ChartName), "pairwise preference", "rating - 1000", models,
        [
            new BarSeries("Bradley-Terry", ChartPalette.Series(0), ratings.Models.Select(m => (double?)(m.Rating - BradleyTerry.Mean)).ToList(),
                ratings.Models.Select(m => double.IsNaN(m.Lower) ? null : (double?)((m.Upper - m.Lower) / 2)).ToList()),
            new BarSeries("online Elo", ChartPalette.Series(1), ratings.Models.Select(m => (double?)(m.OnlineElo - OnlineElo.Start)).ToList()),
        ]);
        string note = $"{ratings.Judgements} judgements. Bradley–Terry by maximum likelihood (ties as half wins), Elo scale with mean 1000; "
            + $"95% percentile intervals from {ratings.BootstrapIterations} bootstrap resamples (seed {ratings.Seed})"
            + (ratings.Smoothed ? "; the exact fit does not exist for this data, so every pair that met got one virtual tie" :
                ratings.SmoothedResamples > 0 ? $"; {ratings.SmoothedResamples} resamples had no exact fit and got one virtual tie per pair" : "")
            + ". Online Elo (K = 32, start 1000) follows the file's order and changes when it does.";

        md.Append("## Pairwise preference\n\n").Append(note).Append("\n\n| model | rating | 95% interval | online Elo | games | score |\n|---|---:|---:|---:|---:|---:|\n");
        html.Append("<h2>Pairwise preference</h2>\n<p>").Append(Html(note)).Append("</p>\n<table><tr><th>model</th><th>rating</th><th>95% interval</th><th>online Elo</th><th>games</th><th>score</th></tr>\n");
        foreach (var m in ratings.Models)
            Row(md, html, [m.Model, Fixed(m.Rating), double.IsNaN(m.Lower) ? "" : $"{Fixed(m.Lower)} – {Fixed(m.Upper)}", Fixed(m.OnlineElo),
                m.Games.ToString(CultureInfo.InvariantCulture), m.Score.ToString("0.#", CultureInfo.InvariantCulture)]);
        md.Append("\n| model | against | wins | losses | ties | win rate | 95% Wilson |\n|---|---|---:|---:|---:|---:|---:|\n");
        html.Append("</table>\n<table><tr><th>model</th><th>against</th><th>wins</th><th>losses</th><th>ties</th><th>win rate</th><th>95% Wilson</th></tr>\n");
        foreach (var p in ratings.Pairs)
            Row(md, html, [p.First, p.Second, Count(p.Wins), Count(p.Losses), Count(p.Ties), Rate(p.Rate), $"{Rate(p.Lower)} – {Rate(p.Upper)}"]);
        md.Append($"\n![pairwise preference]({ChartName})\n\n");
        html.Append("</table>\n").Append($"<figure><img alt=\"pairwise preference\" src=\"data:image/png;base64,{Convert.ToBase64String(File.ReadAllBytes(Path.Combine(directory, ChartName)))}\"><figcaption>pairwise preference</figcaption></figure>\n");
    }

    /// <summary>Text columns are the leading ones that are not numbers: the model names.</summary>
    private static void Row(StringBuilder md, StringBuilder html, string[] cells)
    {
        md.Append("| ").Append(string.Join(" | ", cells.Select(c => c.Replace("|", "\\|")))).Append(" |\n");
        int names = cells.Length == 6 ? 1 : 2;
        html.Append("<tr>").Append(string.Concat(cells.Select((c, i) => i >= names ? $"<td class=\"n\">{Html(c)}</td>" : $"<td>{Html(c)}</td>"))).Append("</tr>\n");
    }

    private static string Fixed(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);
    private static string Rate(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);
    private static string Count(int value) => value.ToString(CultureInfo.InvariantCulture);
    private static string Html(string text) => WebUtility.HtmlEncode(text);
}
