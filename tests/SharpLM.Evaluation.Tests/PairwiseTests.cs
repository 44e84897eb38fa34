using SharpLM.Core;
using SharpLM.Evaluation.Pairwise;

namespace SharpLM.Evaluation.Tests;

public class PairwiseTests
{
    private static PairwiseJudgement J(string a, string b, Preference p) => new(a, b, p);

    private static List<PairwiseJudgement> Repeat(string a, string b, Preference p, int times) => Enumerable.Range(0, times).Select(_ => J(a, b, p)).ToList();

    [Fact]
    public void Two_models_get_a_strength_ratio_equal_to_their_score_ratio()
    {
        // 5 wins, 1 loss, 2 ties: scores 6 and 2, so p_x / p_y = 3 in closed form and the ratings sit ±200·log10(3) around 1000.
        var games = Repeat("x", "y", Preference.A, 5).Concat(Repeat("y", "x", Preference.A, 1)).Concat(Repeat("x", "y", Preference.Tie, 2)).ToList();
        var ratings = PairwiseRatings.Compute(games, "judgements.jsonl", bootstrapIterations: 0);
        Assert.False(ratings.Smoothed);
        Assert.Equal(["x", "y"], ratings.Models.Select(m => m.Model));
        Assert.Equal(1000 + 95.42425094393249, ratings.Models[0].Rating, 9);
        Assert.Equal(1000 - 95.42425094393249, ratings.Models[1].Rating, 9);
        Assert.Equal((8, 6.0), (ratings.Models[0].Games, ratings.Models[0].Score));
    }

    /// <summary>A second fit of the same likelihood: plain gradient ascent on the log-strengths.</summary>
    private static double[] GradientAscent(IReadOnlyList<PairwiseJudgement> games, string[] models)
    {
        var theta = new double[models.Length];
        for (int step = 0; step < 100_000; step++)
        {
            var gradient = new double[models.Length];
            foreach (var g in games)
            {
                int a = Array.IndexOf(models, g.A), b = Array.IndexOf(models, g.B);
                double pa = 1 / (1 + Math.Exp(theta[b] - theta[a]));
                gradient[a] += g.ScoreOfA - pa;
                gradient[b] -= g.ScoreOfA - pa;
            }
            for (int i = 0; i < theta.Length; i++) theta[i] += 0.05 * gradient[i];
        }
        double mean = theta.Average();
        return theta.Select(t => 1000 + 400 / Math.Log(10) * (t - mean)).ToArray();
    }

    [Fact]
    public void The_zermelo_fit_agrees_with_gradient_ascent_on_the_likelihood()
    {
        var games = Repeat("a", "b", Preference.A, 4).Concat(Repeat("a", "b", Preference.B, 2)).Concat(Repeat("b", "c", Preference.A, 3))
            .Concat(Repeat("c", "b", Preference.Tie, 2)).Concat(Repeat("c", "a", Preference.A, 1)).Concat(Repeat("a", "c", Preference.A, 3))
            .Concat(Repeat("d", "a", Preference.B, 2)).Concat(Repeat("d", "c", Preference.A, 1)).Concat(Repeat("b", "d", Preference.Tie, 1)).ToList();
        string[] models = ["a", "b", "c", "d"];
        var expected = GradientAscent(games, models);
        var fit = PairwiseRatings.Compute(games, "judgements.jsonl", bootstrapIterations: 0);
        foreach (var (model, i) in models.Select((m, i) => (m, i)))
            Assert.Equal(expected[i], fit.Models.Single(r => r.Model == model).Rating, 1e-6);
        Assert.Equal(1000, fit.Models.Average(m => m.Rating), 9);
    }

    [Fact]
    public void Online_elo_follows_a_hand_computed_sequence_and_depends_on_order()
    {
        // a beats b at 1000/1000: E = 0.5, so ±16. b (984) ties c (1000): E_b = 1/(1 + 10^(16/400)), so b gains 32·(0.5 − E_b).
        // c beats a. The values below are those three updates worked through by hand.
        var games = new List<PairwiseJudgement> { J("a", "b", Preference.A), J("b", "c", Preference.Tie), J("c", "a", Preference.A) };
        var elo = OnlineElo.Ratings(games);
        Assert.Equal(999.2298601853573, elo["a"], 9);
        Assert.Equal(984.736306793522, elo["b"], 9);
        Assert.Equal(1016.0338330211207, elo["c"], 9);
        var reversed = OnlineElo.Ratings(games.AsEnumerable().Reverse().ToList());
        Assert.NotEqual(elo["a"], reversed["a"], 6);
    }

    [Fact]
    public void Win_rates_count_ties_as_half_and_carry_wilson_intervals()
    {
        var games = Repeat("m", "n", Preference.A, 5).Concat(Repeat("n", "m", Preference.A, 2)).Concat(Repeat("n", "m", Preference.Tie, 1)).ToList();
        var pair = Assert.Single(WinRate.PerPair(games));
        Assert.Equal(("m", "n", 5, 2, 1), (pair.First, pair.Second, pair.Wins, pair.Losses, pair.Ties));
        Assert.Equal(5.5 / 8, pair.Rate, 12);
        // Wilson bounds for 5.5 of 8, worked from the score-interval formula with z = 1.959964.
        Assert.Equal(0.35575516038463106, pair.Lower, 9);
        Assert.Equal(0.8975920027839138, pair.Upper, 9);
        Assert.Equal((0.40927543031016883, 0.9285207872478909), (Math.Round(WinRate.Wilson(6, 8).Lower, 15), Math.Round(WinRate.Wilson(6, 8).Upper, 15)), new ToleranceComparer());
        Assert.Equal((0.0, 1.0), (WinRate.Wilson(0, 3).Lower, WinRate.Wilson(3, 3).Upper));
    }

    private sealed class ToleranceComparer : IEqualityComparer<(double, double)>
    {
        public bool Equals((double, double) x, (double, double) y) => Math.Abs(x.Item1 - y.Item1) < 1e-9 && Math.Abs(x.Item2 - y.Item2) < 1e-9;
        public int GetHashCode((double, double) obj) => 0;
    }

    [Fact]
    public void The_bootstrap_is_reproducible_under_its_seed_and_brackets_the_estimate()
    {
        var games = Repeat("a", "b", Preference.A, 12).Concat(Repeat("a", "b", Preference.B, 6)).Concat(Repeat("b", "c", Preference.A, 9))
            .Concat(Repeat("b", "c", Preference.B, 5)).Concat(Repeat("a", "c", Preference.Tie, 4)).Concat(Repeat("c", "a", Preference.A, 3)).ToList();
        var first = PairwiseRatings.Compute(games, "j.jsonl", bootstrapIterations: 200, seed: 7);
        var second = PairwiseRatings.Compute(games, "j.jsonl", bootstrapIterations: 200, seed: 7);
        var other = PairwiseRatings.Compute(games, "j.jsonl", bootstrapIterations: 200, seed: 8);
        Assert.Equal(first.Models, second.Models);
        Assert.NotEqual(first.Models.Select(m => m.Lower), other.Models.Select(m => m.Lower));
        foreach (var m in first.Models) Assert.InRange(m.Rating, m.Lower, m.Upper);
        Assert.Equal(["a", "b", "c"], first.Models.Select(m => m.Model));
    }

    [Fact]
    public void A_model_that_never_wins_gets_a_finite_smoothed_rating_and_separate_groups_are_refused()
    {
        var shutout = Repeat("a", "b", Preference.A, 3).Concat(Repeat("b", "c", Preference.Tie, 2)).ToList();
        var ratings = PairwiseRatings.Compute(shutout, "j.jsonl", bootstrapIterations: 20);
        Assert.True(ratings.Smoothed);
        Assert.All(ratings.Models, m => Assert.True(double.IsFinite(m.Rating) && double.IsFinite(m.Lower)));
        Assert.Equal("a", ratings.Models[0].Model);

        var apart = Repeat("a", "b", Preference.A, 2).Concat(Repeat("c", "d", Preference.A, 2)).ToList();
        var error = Assert.Throws<SharpLMException>(() => PairwiseRatings.Compute(apart, "j.jsonl"));
        Assert.Equal("j.jsonl: models 'a' and 'c' are never compared, directly or through other models, so they share no rating scale.", error.Message);
    }

    [Fact]
    public void The_jsonl_reader_ignores_extra_fields_accepts_the_capture_shape_and_names_bad_lines()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("sharplm-pairwise-").FullName, "pairwise.jsonl");
        File.WriteAllText(path, """
            {"a":"m1","b":"m2","preferred":"a","conversation_id":"c1","prompt":[{"role":"user","content":"hi"}]}
            {"kind":"pairwise","a":{"model":"m2","response":"x"},"b":{"model":"m1","response":"y"},"preferred":"tie"}

            """);
        var judgements = PairwiseJudgements.Load(path);
        Assert.Equal([J("m1", "m2", Preference.A), J("m2", "m1", Preference.Tie)], judgements);

        File.AppendAllText(path, "{\"a\":\"m1\",\"b\":\"m2\",\"preferred\":\"both\"}\n");
        Assert.Equal($"{path}:3: field 'preferred' must be \"a\", \"b\" or \"tie\".", Assert.Throws<SharpLMException>(() => PairwiseJudgements.Load(path)).Message);
        File.WriteAllText(path, "{\"a\":\"m1\",\"preferred\":\"a\"}\n");
        Assert.Contains(":1: field 'b' must name a model", Assert.Throws<SharpLMException>(() => PairwiseJudgements.Load(path)).Message);
    }
}
