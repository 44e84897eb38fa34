using SharpLM.Inference.Generation;

namespace SharpLM.Inference.Tests;

public class SamplerTests
{
    private static readonly float[] Logits = [(float)Math.Log(0.5), (float)Math.Log(0.3), (float)Math.Log(0.2)];

    [Fact]
    public void Greedy_and_top1_pick_the_most_likely_token()
    {
        Assert.Equal(1, new TokenSampler(new SamplingOptions { Temperature = 0 }).Next([0.1f, 2f, -1f]));
        var topOne = new TokenSampler(new SamplingOptions { Temperature = 1.5, TopK = 1, Seed = 9 });
        Assert.All(Enumerable.Range(0, 50), _ => Assert.Equal(1, topOne.Next([0.1f, 2f, -1f])));
    }

    [Fact]
    public void Sampling_follows_the_softmax_distribution()
    {
        var sampler = new TokenSampler(new SamplingOptions { Temperature = 1, TopK = 0, Seed = 1 });
        var counts = new int[3];
        const int draws = 30000;
        for (int i = 0; i < draws; i++) counts[sampler.Next(Logits)]++;
        // Three standard deviations of a binomial proportion at n = 30000 is below 0.009.
        Assert.InRange(counts[0] / (double)draws, 0.491, 0.509);
        Assert.InRange(counts[1] / (double)draws, 0.291, 0.309);
        Assert.InRange(counts[2] / (double)draws, 0.191, 0.209);
    }

    [Fact]
    public void Top_k_renormalises_over_the_kept_tokens()
    {
        var sampler = new TokenSampler(new SamplingOptions { Temperature = 1, TopK = 2, Seed = 2 });
        var counts = new int[3];
        for (int i = 0; i < 20000; i++) counts[sampler.Next(Logits)]++;
        Assert.Equal(0, counts[2]);
        Assert.InRange(counts[0] / 20000.0, 0.5 / 0.8 - 0.011, 0.5 / 0.8 + 0.011);
    }

    [Fact]
    public void The_same_seed_gives_the_same_draws()
    {
        int[] Draw(long seed)
        {
            var sampler = new TokenSampler(new SamplingOptions { Temperature = 0.9, TopK = 0, Seed = seed });
            return Enumerable.Range(0, 40).Select(_ => sampler.Next(Logits)).ToArray();
        }
        Assert.Equal(Draw(5), Draw(5));
        Assert.NotEqual(Draw(5), Draw(6));
    }

    private static readonly float[] Four = [(float)Math.Log(0.5), (float)Math.Log(0.3), (float)Math.Log(0.15), (float)Math.Log(0.05)];

    private static double[] Frequencies(SamplingOptions options, float[] logits, int draws = 20000, IReadOnlyList<int>? context = null)
    {
        var sampler = new TokenSampler(options);
        var counts = new double[logits.Length];
        for (int i = 0; i < draws; i++) counts[sampler.Next(logits, context ?? [])]++;
        return counts.Select(c => c / draws).ToArray();
    }

    [Fact]
    public void Top_p_keeps_the_smallest_set_reaching_p()
    {
        var f = Frequencies(new SamplingOptions { Temperature = 1, TopK = 0, TopP = 0.8, Seed = 3 }, Four);
        Assert.Equal(0, f[2]);
        Assert.Equal(0, f[3]);
        Assert.InRange(f[0], 0.625 - 0.012, 0.625 + 0.012); // 0.5 / 0.8
    }

    [Fact]
    public void Min_p_drops_tokens_far_below_the_best()
    {
        var f = Frequencies(new SamplingOptions { Temperature = 1, TopK = 0, MinP = 0.4, Seed = 4 }, Four); // keeps p ≥ 0.2
        Assert.Equal(0, f[2] + f[3]);
        Assert.InRange(f[1], 0.375 - 0.012, 0.375 + 0.012);
    }

    [Fact]
    public void Penalties_push_repeated_tokens_down()
    {
        var greedy = new SamplingOptions { Temperature = 0 };
        float[] logits = [2.0f, 1.9f, -1f];
        Assert.Equal(0, new TokenSampler(greedy).Next(logits, [0]));
        Assert.Equal(1, new TokenSampler(greedy with { RepetitionPenalty = 1.1 }).Next(logits, [0]));      // 2.0 / 1.1 < 1.9
        Assert.Equal(1, new TokenSampler(greedy with { FrequencyPenalty = 0.06 }).Next(logits, [0, 0]));   // 2.0 − 0.12 < 1.9
        Assert.Equal(0, new TokenSampler(greedy with { FrequencyPenalty = 0.06 }).Next(logits, [0]));      // 2.0 − 0.06 > 1.9
        Assert.Equal(1, new TokenSampler(greedy with { PresencePenalty = 0.2 }).Next(logits, [0, 0, 0])); // once, whatever the count
        // A negative logit is made more negative by the repetition penalty.
        Assert.Equal(1, new TokenSampler(greedy with { RepetitionPenalty = 2 }).Next([-1f, -1.5f], [0]));
    }

    [Fact]
    public void Partial_top_k_selection_agrees_with_a_full_sort()
    {
        var random = new Random(8);
        var logits = Enumerable.Range(0, 5000).Select(_ => (float)random.NextDouble()).ToArray();
        logits[17] = logits[4000] = 5f; // a tie at the top: the lower id comes first
        var top = logits.Select((v, i) => (v, i)).OrderByDescending(p => p.v).ThenBy(p => p.i).Take(3).Select(p => p.i).ToHashSet();
        var seen = Frequencies(new SamplingOptions { Temperature = 5, TopK = 3, Seed = 1 }, logits, 3000)
            .Select((f, i) => (f, i)).Where(p => p.f > 0).Select(p => p.i).ToHashSet();
        Assert.Equal(top, seen);
    }

    [Theory]
    [InlineData(-0.1, 40, 1.0, 0.0, "temperature")]
    [InlineData(1.0, -1, 1.0, 0.0, "top-k")]
    [InlineData(1.0, 40, 0.0, 0.0, "top-p")]
    [InlineData(1.0, 40, 1.0, 1.0, "min-p")]
    public void Invalid_options_are_named(double temperature, int topK, double topP, double minP, string expected)
    {
        var error = Assert.Throws<Core.SharpLMException>(() => new TokenSampler(new SamplingOptions { Temperature = temperature, TopK = topK, TopP = topP, MinP = minP }));
        Assert.StartsWith(expected, error.Message);
    }
}
