using SharpLM.Inference.Generation;

namespace SharpLM.Inference.Tests;

/// <summary>
/// The sampler against <see cref="ReferenceSampling"/>: its reported distribution equals the oracle's, and seeded
/// draws follow it (chi-square), for each filter and penalty.
/// </summary>
public class SamplerDistributionTests
{
    private static readonly float[] Logits = [1.2f, -0.3f, 0.8f, 2.1f, 0.0f, -1.5f, 1.9f, 0.4f, -0.7f, 1.0f];
    private static readonly int[] Context = [3, 3, 6, 5];

    public static TheoryData<string, SamplingOptions> Settings => new()
    {
        { "temperature 1", new SamplingOptions { Temperature = 1, TopK = 0, Seed = 11 } },
        { "temperature 0.5", new SamplingOptions { Temperature = 0.5, TopK = 0, Seed = 12 } },
        { "temperature 2", new SamplingOptions { Temperature = 2, TopK = 0, Seed = 13 } },
        { "top-k 4", new SamplingOptions { Temperature = 1, TopK = 4, Seed = 14 } },
        { "top-p 0.7", new SamplingOptions { Temperature = 1, TopK = 0, TopP = 0.7, Seed = 15 } },
        { "min-p 0.3", new SamplingOptions { Temperature = 1.3, TopK = 0, MinP = 0.3, Seed = 16 } },
        { "repetition penalty", new SamplingOptions { Temperature = 1, TopK = 0, RepetitionPenalty = 1.5, Seed = 17 } },
        { "frequency and presence penalties", new SamplingOptions { Temperature = 0.8, TopK = 0, FrequencyPenalty = 0.4, PresencePenalty = 0.3, Seed = 18 } },
        { "everything", new SamplingOptions { Temperature = 0.9, TopK = 6, TopP = 0.95, MinP = 0.05, RepetitionPenalty = 1.2, PresencePenalty = 0.2, Seed = 19 } },
        { "greedy", new SamplingOptions { Temperature = 0, RepetitionPenalty = 1.3, Seed = 20 } },
    };

    [Theory]
    [MemberData(nameof(Settings))]
    public void Reported_probabilities_equal_the_reference(string setting, SamplingOptions options)
    {
        var probabilities = new double[Logits.Length];
        new TokenSampler(options).Probabilities(Logits, Context, probabilities);
        var expected = ReferenceSampling.Distribution(Logits, Context, options);
        for (int i = 0; i < Logits.Length; i++) Assert.True(Math.Abs(expected[i] - probabilities[i]) < 1e-6, $"{setting}: token {i}: {probabilities[i]} vs {expected[i]}");
        Assert.Equal(1, probabilities.Sum(), 9);
    }

    [Theory]
    [MemberData(nameof(Settings))]
    public void Draws_follow_the_reference_distribution(string setting, SamplingOptions options)
    {
        var sampler = new TokenSampler(options);
        var counts = new long[Logits.Length];
        for (int i = 0; i < 20000; i++) counts[sampler.Next(Logits, Context)]++;
        ChiSquare.AssertFits(counts, ReferenceSampling.Distribution(Logits, Context, options), setting);
    }

    [Fact]
    public void Reporting_probabilities_leaves_the_draws_unchanged()
    {
        var options = new SamplingOptions { Temperature = 1, TopK = 0, Seed = 5 };
        var plain = new TokenSampler(options);
        var probing = new TokenSampler(options);
        var scratch = new double[Logits.Length];
        for (int i = 0; i < 200; i++)
        {
            probing.Probabilities(Logits, Context, scratch);
            Assert.Equal(plain.Next(Logits, Context), probing.Next(Logits, Context));
        }
    }

    [Fact]
    public void A_wrong_distribution_fails_the_fit()
    {
        // The check has power: draws at temperature 1 do not pass as temperature 0.8.
        var sampler = new TokenSampler(new SamplingOptions { Temperature = 1, TopK = 0, Seed = 3 });
        var counts = new long[Logits.Length];
        for (int i = 0; i < 20000; i++) counts[sampler.Next(Logits, Context)]++;
        var wrong = ReferenceSampling.Distribution(Logits, Context, new SamplingOptions { Temperature = 0.8, TopK = 0 });
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => ChiSquare.AssertFits(counts, wrong, "temperature 0.8"));
    }
}
