using SharpLM.Core.Formats.Documents;
using SharpLM.Data.Canaries;
using SharpLM.Inference.Generation;
using SharpLM.Safety.Memorization;
using SharpLM.Tokenizers.Bpe;

namespace SharpLM.Safety.Tests;

/// <summary>Exposure, verbatim continuation and PII extraction against toy models whose answers are known in closed form.</summary>
public class MemorizationTests
{
    // No merges: every character is one token, so a digit's probability is the toy model's, whatever its neighbours.
    private static readonly BpeTokenizer Bytes = BpeTrainer.Train(["the secret code is 0123456789."], new BpeTrainerOptions { VocabularySize = 260 });

    /// <summary>Digit d has probability proportional to 2^-Weights[d] at every position, whatever the context.</summary>
    private static readonly int[] Weights = [0, 1, 1, 2, 2, 3, 3, 4, 5, 6];

    /// <summary>A model that ignores its context: fixed logits, digits weighted by <see cref="Weights"/>, every other token at -1.</summary>
    private sealed class FixedDistribution : ILogitsSource
    {
        private readonly float[] _logits;

        public FixedDistribution()
        {
            _logits = Enumerable.Repeat(-1f, Bytes.VocabularySize).ToArray();
            for (int d = 0; d < 10; d++) _logits[Bytes.Encode(d.ToString())[0]] = (float)(-Weights[d] * Math.Log(2));
        }

        public int MaxContext => 4096;
        public ReadOnlySpan<float> Next(IReadOnlyList<int> context) => _logits;
    }

    /// <summary>Strings of <paramref name="length"/> digits by their weight sum: the closed-form distribution of candidate scores.</summary>
    private static long[] CountsByWeight(int length)
    {
        var counts = new long[Weights.Max() * length + 1];
        counts[0] = 1;
        for (int position = 0; position < length; position++)
        {
            var next = new long[counts.Length];
            for (int s = 0; s < counts.Length; s++)
                if (counts[s] > 0) foreach (int w in Weights) next[s + w] += counts[s];
            counts = next;
        }
        return counts;
    }

    private static int WeightOf(string secret) => secret.Sum(c => Weights[c - '0']);

    /// <summary>1 + the number of secrets strictly more likely than this one.</summary>
    private static long ExactRank(string secret) => 1 + CountsByWeight(secret.Length).Take(WeightOf(secret)).Sum();

    [Theory]
    [InlineData("000")]
    [InlineData("507")]
    [InlineData("999")]
    [InlineData("314")]
    public void Exact_exposure_equals_the_closed_form(string secret)
    {
        const string Format = "the secret code is NNN.";
        var scorer = new TextScorer(new FixedDistribution(), Bytes);
        var result = CanaryExposure.Measure(scorer.LogProbability, Format, new Canary(secret, CanaryFormat.Fill(Format, secret), 1), exactLimit: 1000, samples: 10, seed: 0);
        Assert.Equal("exact", result.Method);
        Assert.Equal(999, result.Candidates);
        Assert.Equal(ExactRank(secret), result.Rank);
        Assert.Equal(Math.Log2(1000) - Math.Log2(ExactRank(secret)), result.Exposure, 9);
        // The canary's own score: the prefix's fixed cost plus each digit's log-probability.
        double logZ = Math.Log(Weights.Sum(w => Math.Pow(2, -w)) + (Bytes.VocabularySize - 10) * Math.Exp(-1));
        double perCharacter = -1 - logZ;
        double expected = (Format.Length - 3) * perCharacter + secret.Sum(c => -Weights[c - '0'] * Math.Log(2) - logZ);
        Assert.Equal(expected, result.LogProbability, 1e-4);
    }

    [Fact]
    public void Sampled_rank_and_the_normal_extrapolation_agree_with_the_closed_form()
    {
        const string Format = "code NNNNNN";
        const string Secret = "231405";
        var scorer = new TextScorer(new FixedDistribution(), Bytes);
        var result = CanaryExposure.Measure(scorer.LogProbability, Format, new Canary(Secret, CanaryFormat.Fill(Format, Secret), 1), exactLimit: 1000, samples: 4000, seed: 3);
        Assert.Equal("sampled", result.Method);

        // The share of candidates above the canary is binomial: within 4.5 standard deviations of the closed form.
        double space = 1e6, q = (ExactRank(Secret) - 1) / (space - 1);
        double higher = (result.Rank - 1) * 4000 / (space - 1);
        Assert.InRange(higher, 4000 * q - 4.5 * Math.Sqrt(4000 * q * (1 - q)), 4000 * q + 4.5 * Math.Sqrt(4000 * q * (1 - q)));

        // The fitted normal approaches the closed-form mean and variance of a sum of six independent digits' log-probabilities.
        double mean = Weights.Average(w => w * Math.Log(2)), variance = Weights.Average(w => Math.Pow(w * Math.Log(2) - mean, 2));
        double z = (-WeightOf(Secret) * Math.Log(2) + 6 * mean) / Math.Sqrt(6 * variance);
        Assert.Equal(-Math.Log2(CanaryExposure.NormalUpperTail(z)), result.Extrapolated, 0.15);
    }

    [Fact]
    public void The_normal_tail_matches_published_values()
    {
        Assert.Equal(0.5, CanaryExposure.NormalUpperTail(0), 7);
        Assert.Equal(0.0249979, CanaryExposure.NormalUpperTail(1.96), 1e-6);
        Assert.Equal(0.8413447, CanaryExposure.NormalUpperTail(-1), 1e-6);
        Assert.Equal(2.866516e-7, CanaryExposure.NormalUpperTail(5), 10);
    }

    /// <summary>A model that has memorized one token sequence: after a context that follows it, it predicts its next token; elsewhere it is uniform.</summary>
    private sealed class Memorized(IReadOnlyList<int> sequence, int vocabulary) : ILogitsSource
    {
        public int MaxContext => 4096;

        public ReadOnlySpan<float> Next(IReadOnlyList<int> context)
        {
            var logits = new float[vocabulary];
            int position = context.Count;
            if (position < sequence.Count && context.SequenceEqual(sequence.Take(position))) logits[sequence[position]] = 50;
            return logits;
        }
    }

    [Fact]
    public void Verbatim_continuation_counts_exact_and_partial_matches()
    {
        string memorized = string.Concat(Enumerable.Range(0, 80).Select(i => (char)('a' + i * 7 % 26)));
        var sequence = new List<int> { Bytes.EndOfTextId!.Value };
        sequence.AddRange(Bytes.Encode(memorized));
        var model = new Memorized(sequence, Bytes.VocabularySize);
        // The same first 40 characters, then different: the model follows its memory for 8 tokens past the 32-token prefix.
        string diverging = memorized[..40] + new string('z', 40);
        var documents = new[] { memorized, diverging, "too short" }.Select((t, i) => new Document { Id = $"d{i}", Text = t, Source = "test", License = "CC0-1.0" });
        var result = VerbatimContinuation.Measure(model, Bytes, documents);
        Assert.Equal(2, result.Documents);
        Assert.Equal(1, result.ExactMatches);
        Assert.Equal(0.5, result.ExactMatchRate);
        Assert.Equal((32 + 8) / 2.0, result.MeanMatchedTokens);
    }

    /// <summary>A model that always continues with an e-mail address, one character at a time.</summary>
    private sealed class Leaky(int vocabulary) : ILogitsSource
    {
        private readonly IReadOnlyList<int> _text = Bytes.Encode(" bob.jones@example.org and more");
        public int MaxContext => 4096;
        public int PromptLength { get; set; }

        public ReadOnlySpan<float> Next(IReadOnlyList<int> context)
        {
            var logits = new float[vocabulary];
            logits[_text[(context.Count - PromptLength) % _text.Count]] = 60;
            return logits;
        }
    }

    [Fact]
    public void Pii_extraction_counts_generations_the_scrubber_flags()
    {
        var leaky = new Leaky(Bytes.VocabularySize) { PromptLength = Bytes.Encode("my e-mail is").Count };
        var result = PiiExtraction.Measure(leaky, Bytes, ["my e-mail is"], samples: 3, maxTokens: 30, seed: 0);
        Assert.Equal(3, result.Generations);
        Assert.Equal(3, result.WithPii);
        Assert.Equal(3, result.ByType["email"]);

        var quiet = PiiExtraction.Measure(new Memorized([0], Bytes.VocabularySize), Bytes, ["my e-mail is"], samples: 2, maxTokens: 5, seed: 0);
        Assert.Equal(0, quiet.WithPii);
    }
}
