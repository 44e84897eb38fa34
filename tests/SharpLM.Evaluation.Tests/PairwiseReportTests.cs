using System.Text.RegularExpressions;
using SharpLM.Evaluation.Pairwise;
using SharpLM.Evaluation.Reporting;

namespace SharpLM.Evaluation.Tests;

public class PairwiseReportTests
{
    [Fact]
    public void The_card_gains_a_pairwise_section_with_ratings_win_rates_and_a_chart()
    {
        string folder = Directory.CreateTempSubdirectory("sharplm-pairwise-card-").FullName;
        string results = Path.Combine(folder, "results_2026-01-01T00-00-00.json");
        File.WriteAllText(results, """{"model_name":"old","results":{"arc_easy":{"acc,none":0.5,"acc_stderr,none":0.1}},"higher_is_better":{"arc_easy":{"acc":true}}}""");
        string pairwise = Path.Combine(folder, "pairwise.jsonl");
        File.WriteAllLines(pairwise, ["""{"a":"new","b":"old","preferred":"a"}""", """{"a":"new","b":"old","preferred":"a"}""",
            """{"a":"old","b":"new","preferred":"a"}""", """{"a":"old","b":"new","preferred":"tie"}"""]);
        var ratings = PairwiseRatings.Compute(PairwiseJudgements.Load(pairwise), pairwise, bootstrapIterations: 50);
        string markdown = ReportCard.Write(Path.Combine(folder, "card"), [ResultsFile.Load(results)], ratings);

        string md = File.ReadAllText(markdown), html = File.ReadAllText(Path.Combine(folder, "card", ReportCard.HtmlName));
        Assert.Contains("## Pairwise preference", md);
        // new scored 2.5 of 4: strength ratio 2.5 / 1.5, so ratings 1000 ± 200·log10(5/3) = 1044.4 and 955.6.
        Assert.Matches(new Regex(@"\| new \| 1044\.4 \| [0-9.]+ – [0-9.]+ \| [0-9.]+ \| 4 \| 2\.5 \|"), md);
        Assert.Contains("| new | old | 2 | 1 | 1 | 0.625 |", md);
        Assert.Contains("![pairwise preference](pairwise.png)", md);
        Assert.True(File.Exists(Path.Combine(folder, "card", PairwiseSection.ChartName)));
        Assert.Contains("<h2>Pairwise preference</h2>", html);
        Assert.Contains("src=\"data:image/png;base64,", html[html.IndexOf("Pairwise preference", StringComparison.Ordinal)..]);
    }
}
