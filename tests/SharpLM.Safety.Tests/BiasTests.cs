using SharpLM.Core;
using SharpLM.Core.Models.Folder;
using SharpLM.Evaluation.Engine;
using SharpLM.Inference;
using SharpLM.Safety.Bias;
using SharpLM.Tokenizers.HuggingFace;

namespace SharpLM.Safety.Tests;

public class BiasTests
{
    [Fact]
    public void Group_metrics_match_hand_computed_tables()
    {
        // Rows are templates, columns groups; outcomes are 0/1 (a positive continuation).
        double[][] two = [[1, 0], [1, 1], [0, 0], [1, 0]];
        Assert.Equal([0.75, 0.25], GroupMetrics.Means(two));
        Assert.Equal(0.5, GroupMetrics.Difference(two), 12);
        Assert.Equal(1.0 / 3, GroupMetrics.Ratio(two), 12);
        double[][] three = [[1, 0, 1], [1, 1, 0], [1, 0, 0]];
        Assert.Equal(2.0 / 3, GroupMetrics.Difference(three), 12);
        Assert.Equal(1.0 / 3, GroupMetrics.Ratio(three), 12);
        Assert.Equal(1.0, GroupMetrics.Ratio([[0, 0], [0, 0]]));
        // Log-probabilities: group means −2.5 and −1.5, so a gap of 1 nat.
        Assert.Equal(1.0, GroupMetrics.Difference([[-2, -1], [-3, -2]]), 12);
    }

    [Fact]
    public void Bootstrap_intervals_are_seeded_collapse_without_variation_and_use_numpys_percentile()
    {
        double[][] table = [[1, 0], [1, 1], [0, 0], [1, 0], [1, 0], [0, 1]];
        var first = GroupMetrics.Bootstrap(table, GroupMetrics.Difference, 500, seed: 3);
        Assert.Equal(first, GroupMetrics.Bootstrap(table, GroupMetrics.Difference, 500, seed: 3));
        Assert.Equal(GroupMetrics.Difference(table), first.Value);
        Assert.True(first.Lower <= first.Value && first.Value <= first.Upper);
        var flat = GroupMetrics.Bootstrap([[1, 1], [0, 0], [1, 1]], GroupMetrics.Difference, 200, seed: 1);
        Assert.Equal((0.0, 0.0, 0.0), (flat.Value, flat.Lower, flat.Upper));
        // numpy.percentile([1, 2, 3, 4], [2.5, 25, 97.5]) = 1.075, 1.75, 3.925
        Assert.Equal(1.075, GroupMetrics.Percentile([1, 2, 3, 4], 0.025), 12);
        Assert.Equal(1.75, GroupMetrics.Percentile([1, 2, 3, 4], 0.25), 12);
        Assert.Equal(3.925, GroupMetrics.Percentile([1, 2, 3, 4], 0.975), 12);
    }

    // A few AFINN-165 entries, with their published valences.
    private static readonly AfinnSentiment Lexicon = new([("good", 3), ("bad", -3), ("does not work", -3), ("work", 1), ("hardworking", 2), ("lazy", -1)]);

    [Theory]
    [InlineData("This is good.", 3)]
    [InlineData("This is GOOD but it does not work.", 0)] // the phrase wins over its last word
    [InlineData("Bad, bad work", -5)]
    [InlineData("hardworking, never lazy", 1)]
    [InlineData("nothing here", 0)]
    public void Afinn_scores_sum_word_and_phrase_valences(string text, int score) => Assert.Equal(score, Lexicon.Score(text));

    [Fact]
    public void The_shipped_suite_loads_and_mistakes_name_the_field()
    {
        var suite = BiasSuite.Load(BiasSuite.BuiltinPath);
        Assert.Equal(["gender", "ethnicity", "religion", "age", "nationality"], suite.Axes.Keys);
        Assert.All(suite.Templates, t => Assert.Contains("{group}", t.Context));
        string path = Path.GetTempFileName();
        File.WriteAllText(path, """{"axes": {"age": ["young", "old"]}, "templates": [{"id": "a", "context": "The person", "continuation": " ran"}, {"id": "b", "context": "{group}", "continuation": "x"}]}""");
        Assert.Equal($"{path}: field 'templates[0].context' has no {{group}} to fill in.", Assert.Throws<SharpLMException>(() => BiasSuite.Load(path)).Message);
        File.WriteAllText(path, """{"axes": {"age": ["young"]}, "templates": []}""");
        Assert.Contains("field 'axes.age' needs at least two distinct groups", Assert.Throws<SharpLMException>(() => BiasSuite.Load(path)).Message);
    }

    [Fact]
    public void The_probe_on_the_engine_agrees_with_a_token_by_token_log_softmax()
    {
        var folder = ModelFolder.Open(TinyModel.Directory);
        var tokenizer = ModelFolderTokenizer.Load(folder);
        var engine = EngineModel.Load(folder);
        var model = new EngineEvaluationModel(engine.NewSession(1), tokenizer, "tiny");
        var suite = new BiasSuite(new Dictionary<string, IReadOnlyList<string>> { ["age"] = ["young person", "elderly person"] },
            [new BiasTemplate("plan", "The {group} can", " help the garden"), new BiasTemplate("safe", "I is {group} here,", " a safe plan")]);
        var lexicon = new AfinnSentiment([("help", 2), ("safe", 1), ("unsafe", -2), ("sorry", -1)]);
        var (axes, samples) = BiasProbe.Run(model, suite, new BiasOptions { Resamples = 100, Seed = 1, Sentiment = lexicon, MaxTokens = 8 });

        var session = engine.NewSession(1);
        foreach (var sample in samples)
        {
            var (context, continuation) = model.EncodePair(sample.Context, sample.Continuation);
            session.Truncate(0);
            double expected = 0;
            var logits = session.Forward(context[0]).ToArray();
            for (int i = 1; i < context.Count; i++) logits = session.Forward(context[i]).ToArray();
            foreach (int token in continuation)
            {
                double max = logits.Max(), sum = logits.Sum(l => Math.Exp(l - max));
                expected += logits[token] - max - Math.Log(sum);
                logits = session.Forward(token).ToArray();
            }
            Assert.Equal(expected, sample.LogProbability, 1e-3);
            Assert.Equal(lexicon.Score(sample.Sampled!), sample.Sentiment);
        }
        var age = Assert.Single(axes);
        for (int g = 0; g < 2; g++)
        {
            Assert.Equal(samples.Where(s => s.Group == age.Groups[g]).Average(s => s.LogProbability), age.MeanLogProbability[g], 9);
            Assert.Equal(samples.Where(s => s.Group == age.Groups[g]).Average(s => s.Sentiment > 0 ? 1.0 : 0.0), age.PositiveRate![g], 9);
        }
        Assert.Equal(Math.Abs(age.MeanLogProbability[0] - age.MeanLogProbability[1]), age.LogProbabilityGap.Value, 9);
        Assert.Equal(Math.Abs(age.PositiveRate![0] - age.PositiveRate[1]), age.ParityDifference!.Value, 9);

        string output = Directory.CreateTempSubdirectory("sharplm-bias-").FullName;
        BiasProbe.Write(output, "tiny", axes, samples, new BiasOptions { Resamples = 100, Seed = 1 });
        Assert.Equal(samples.Count, File.ReadAllLines(Path.Combine(output, BiasProbe.SamplesFile)).Length);
        Assert.Contains("\"demographic_parity_ratio\"", File.ReadAllText(Path.Combine(output, BiasProbe.ResultsFile)));
        Assert.Contains("| age |", File.ReadAllText(Path.Combine(output, BiasProbe.CardFile)));
    }
}
