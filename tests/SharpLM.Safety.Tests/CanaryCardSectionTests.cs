using SharpLM.Safety.Memorization;
using SharpLM.Safety.Reports;

namespace SharpLM.Safety.Tests;

public class CanaryCardSectionTests
{
    [Fact]
    public void The_canaries_go_into_both_cards_before_the_limits_ordered_by_repetitions()
    {
        string folder = Directory.CreateTempSubdirectory("sharplm-card-").FullName;
        File.WriteAllText(Path.Combine(folder, "safety-card.md"), "# Safety card: m\n\n| measure | rate |\n\n## Limits\n\n- a limit\n");
        File.WriteAllText(Path.Combine(folder, "safety-card.html"), "<html><body><h1>Safety card: m</h1>\n<h2>Limits</h2>\n<ul><li>a limit</li></ul>\n</body></html>\n");
        // Ranks 1 and 250 of 1000 candidates: exposures log2 1000 − log2 1 = 9.97 and log2 1000 − log2 250 = 2 bits.
        ExposureResult[] exposures =
        [
            new("123", 16, -3.0, 1, Math.Log2(1000), Math.Log2(1000), "exact", 999, 9.5),
            new("456", 1, -9.0, 250, Math.Log2(1000) - Math.Log2(250), Math.Log2(1000), "exact", 999, 1.5),
        ];
        CanaryCardSection.Add(folder, exposures, "../data/canaries.json");

        string md = File.ReadAllText(Path.Combine(folder, "safety-card.md"));
        int section = md.IndexOf("## " + CanaryCardSection.Heading, StringComparison.Ordinal);
        Assert.InRange(section, 1, md.IndexOf("## Limits", StringComparison.Ordinal));
        Assert.Contains("../data/canaries.json", md);
        int once = md.IndexOf("| 1 | 250 | 2.00 of 9.97 | 1.50 | exact, 1000 candidates |", StringComparison.Ordinal);
        int sixteen = md.IndexOf("| 16 | 1 | 9.97 of 9.97 | 9.50 | exact, 1000 candidates |", StringComparison.Ordinal);
        Assert.True(section < once && once < sixteen, md);
        Assert.DoesNotContain("123", md); // the card shows exposure, never the secret

        string html = File.ReadAllText(Path.Combine(folder, "safety-card.html"));
        Assert.True(html.IndexOf("<td>2.00 of 9.97</td>", StringComparison.Ordinal) is > 0 and var cell && cell < html.IndexOf("<h2>Limits</h2>", StringComparison.Ordinal), html);
    }
}
