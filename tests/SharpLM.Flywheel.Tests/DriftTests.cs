using System.Text.Json.Nodes;
using SharpLM.Core;
using SharpLM.Flywheel.Drift;

namespace SharpLM.Flywheel.Tests;

public class DriftTests
{
    [Fact]
    public void Kolmogorov_smirnov_matches_hand_computed_statistics()
    {
        Assert.Equal(0.5, DistributionShift.KolmogorovSmirnov([1, 2, 3, 4], [3, 4, 5, 6]), 12);
        Assert.Equal(1.0, DistributionShift.KolmogorovSmirnov([1, 2, 3], [4, 5]), 12);
        // Tied values move both step functions at once: at 1 the gap is 0.5 − 0.25, at 2 both reach 1.
        Assert.Equal(0.25, DistributionShift.KolmogorovSmirnov([1, 1, 2, 2], [1, 2, 2, 2]), 12);
        Assert.Equal(0.0, DistributionShift.KolmogorovSmirnov([3, 1, 2], [2, 3, 1]), 12);
    }

    [Fact]
    public void The_kolmogorov_distribution_matches_its_published_critical_values()
    {
        // λ = 1.2238, 1.3581 and 1.6276 are the published 10%, 5% and 1% critical values of the Kolmogorov distribution.
        Assert.Equal(0.10, DistributionShift.KolmogorovQ(1.2238), 1e-4);
        Assert.Equal(0.05, DistributionShift.KolmogorovQ(1.3581), 1e-4);
        Assert.Equal(0.01, DistributionShift.KolmogorovQ(1.6276), 1e-4);
        Assert.Equal(1.0, DistributionShift.KolmogorovSmirnovPValue(0, 10, 10));
    }

    [Fact]
    public void Population_stability_matches_hand_computed_values()
    {
        // Shares .5/.3/.2 against .2/.3/.5: (−0.3)·ln(0.4) + 0 + 0.3·ln(2.5) = 0.6·ln(2.5).
        Assert.Equal(0.6 * Math.Log(2.5), DistributionShift.PopulationStability([50, 30, 20], [20, 30, 50]), 12);
        Assert.Equal(0, DistributionShift.PopulationStability([5, 5], [50, 50]), 12);
        // An empty training bin counts as a share of 1e-4: (0.5 − 1)·ln(0.5) + (0.5 − 1e-4)·ln(0.5 / 1e-4).
        Assert.Equal(-0.5 * Math.Log(0.5) + (0.5 - 1e-4) * Math.Log(0.5 / 1e-4), DistributionShift.PopulationStability([10, 0], [5, 5]), 12);
    }

    [Fact]
    public void Length_bins_sit_at_the_training_deciles()
    {
        var bins = LengthBins.FromDeciles(Enumerable.Range(1, 10).Select(i => (double)i).ToList());
        Assert.Equal(10, bins.Count);
        Assert.Equal(["<=1", "2", "3", "9", ">9"], new[] { 0, 1, 2, 8, 9 }.Select(bins.Label));
        Assert.Equal([2, 0, 0, 0, 0, 0, 0, 0, 1, 3], bins.Counts([0, 1, 9, 10, 40, 11]));
        var coarse = LengthBins.FromDeciles([5, 5, 5, 5, 20, 20, 20, 20, 20, 20]);
        Assert.Equal(2, coarse.Count);
        Assert.Equal(["<=5", ">5"], new[] { 0, 1 }.Select(coarse.Label));
    }

    [Fact]
    public void A_new_subject_shows_as_growth_of_other_with_its_terms_emerging()
    {
        var training = Enumerable.Repeat("pasta", 6).Concat(Enumerable.Repeat("football", 4)).ToList();
        var prompts = new[] { "pasta", "pasta", "football", "football" }.Concat(Enumerable.Repeat("kubernetes pods", 6)).ToList();
        var report = DriftReport.Compute(training, prompts);
        // football: 4 documents × 1 × ln(10/4) outscores pasta: 6 × ln(10/6).
        Assert.Equal(["football", "pasta", "other"], report.Topics.Select(t => t.Topic));
        Assert.Equal([0.4, 0.6, 0.0], report.Topics.Select(t => t.TrainingShare));
        Assert.Equal([0.2, 0.2, 0.6], report.Topics.Select(t => t.PromptShare));
        Assert.Equal("other", Assert.Single(report.Grown).Topic);
        Assert.Equal(["kubernetes", "pods"], report.Emerging.Select(t => t.Term));
        // Lengths: every training text has 1 word, 6 of 10 prompts have 2, so D = 1 − 0.4.
        Assert.Equal(0.6, report.KolmogorovSmirnov, 12);
        Assert.Equal((1.0, 1.6), (report.TrainingMeanWords, report.PromptMeanWords));
    }

    [Fact]
    public void The_report_files_are_deterministic_and_texts_come_from_each_supported_shape()
    {
        string folder = Directory.CreateTempSubdirectory("sharplm-drift-").FullName;
        string training = Path.Combine(folder, "train.jsonl"), prompts = Path.Combine(folder, "prompts.jsonl");
        File.WriteAllLines(training, Enumerable.Range(0, 30).Select(i => i % 3 == 0
            ? $$"""{"messages":[{"role":"system","content":"be brief"},{"role":"user","content":"how long to boil pasta number {{i}}"},{"role":"assistant","content":"ten minutes"}]}"""
            : $$"""{"text":"the football match ended {{i}} to nil after extra time"}"""));
        File.WriteAllLines(prompts, Enumerable.Range(0, 20).Select(i => $$"""{"prompt":"deploy kubernetes pods on cluster {{i}} with helm charts and rolling updates please"}""")
            .Append("""{"prompt":[{"role":"user","content":"football"}]}"""));
        var texts = DriftTexts.Load(training, "training JSONL");
        Assert.Equal("how long to boil pasta number 0", texts[0]);

        string first = Path.Combine(folder, "a"), second = Path.Combine(folder, "b");
        DriftFiles.Write(first, DriftReport.Compute(texts, DriftTexts.Load(prompts, "prompts JSONL")), prompts, training);
        DriftFiles.Write(second, DriftReport.Compute(DriftTexts.Load(training, "training JSONL"), DriftTexts.Load(prompts, "prompts JSONL")), prompts, training);
        foreach (string name in new[] { DriftFiles.JsonName, DriftFiles.MarkdownName, DriftFiles.HtmlName, DriftFiles.LengthChart, DriftFiles.TopicChart })
            Assert.Equal(File.ReadAllBytes(Path.Combine(first, name)), File.ReadAllBytes(Path.Combine(second, name)));
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(first, DriftFiles.JsonName)))!;
        Assert.Equal("other", (string)json["grown_topics"]![0]!["topic"]!);
        Assert.True((double)json["length"]!["psi"]! > 0.25);
        Assert.Contains("## Prompt length", File.ReadAllText(Path.Combine(first, DriftFiles.MarkdownName)));

        File.AppendAllText(prompts, "{\"id\":7}\n");
        Assert.Equal($"{prompts}:22: no field 'text', 'prompt' or 'messages' with user text.",
            Assert.Throws<SharpLMException>(() => DriftTexts.Load(prompts, "prompts JSONL")).Message);
    }
}
