using SharpLM.Data.Dedup;

namespace SharpLM.Data.Tests.Dedup;

public class MinHashTests
{
    private static readonly MinHashOptions Options = new();
    private static readonly MinHasher Hasher = new(Options);

    [Fact]
    public void Mersenne_permutation_matches_128_bit_modular_arithmetic()
    {
        var random = new Random(3);
        for (int i = 0; i < 20_000; i++)
        {
            ulong a = (ulong)random.NextInt64(1, (long)MinHasher.MersennePrime);
            ulong b = (ulong)random.NextInt64(0, (long)MinHasher.MersennePrime);
            ulong h = i < 10 ? MinHasher.MersennePrime - 1 - (ulong)i : (ulong)random.NextInt64(0, (long)MinHasher.MersennePrime);
            ulong expected = (ulong)(((UInt128)a * h + b) % MinHasher.MersennePrime);
            Assert.Equal(expected, MinHasher.Permute(a, b, h));
        }
    }

    [Fact]
    public void Same_seed_same_signature_other_seed_other_signature()
    {
        const string text = "The quick brown fox jumps over the lazy dog near the river bank today.";
        Assert.Equal(Hasher.Signature(text), new MinHasher(new MinHashOptions()).Signature(text));
        Assert.NotEqual(Hasher.Signature(text), new MinHasher(new MinHashOptions(Seed: 2)).Signature(text));
        Assert.Equal(112, Hasher.Signature(text).Length);
    }

    [Fact]
    public void Signature_of_a_fixed_text_is_stable_across_runs()
    {
        // Pinned values: a change here means every stored dedup decision would change.
        var signature = new MinHasher().Signature("one two three four five six");
        Assert.Equal([682243747780447648UL, 1170457916368691005UL], signature.Take(2));
        Assert.Equal(ReferenceSlots("one two three four five six", 2), signature.Take(2));
        Assert.All(signature, v => Assert.True(v < MinHasher.MersennePrime));
    }

    /// <summary>The first slots recomputed from the definition: SplitMix64 coefficients, seeded XxHash64 of UTF-16 shingles, 128-bit modular arithmetic.</summary>
    private static ulong[] ReferenceSlots(string normalisedText, int slots)
    {
        ulong state = 1;
        ulong Next()
        {
            state += 0x9E3779B97F4A7C15UL;
            ulong z = state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
        const ulong p = MinHasher.MersennePrime;
        var words = normalisedText.Split(' ');
        var hashes = Enumerable.Range(0, words.Length - 4)
            .Select(i => System.IO.Hashing.XxHash64.HashToUInt64(System.Text.Encoding.Unicode.GetBytes(string.Join(' ', words, i, 5)), 1) % p)
            .ToArray();
        var result = new ulong[slots];
        for (int j = 0; j < slots; j++)
        {
            ulong a, b;
            do a = Next() & p; while (a == 0 || a == p);
            do b = Next() & p; while (b == p);
            result[j] = hashes.Min(h => (ulong)(((UInt128)a * h + b) % p));
        }
        return result;
    }

    [Theory]
    [InlineData("Hello, World! This is   a TEST of the normaliser.", "hello world this is a test of the normaliser")]
    [InlineData("don't stop—now", "dont stopnow")]
    [InlineData("tabs\tand\nnewlines  here and there", "tabs and newlines here and there")]
    public void Normalisation_ignores_case_punctuation_and_spacing(string raw, string normalised) =>
        Assert.Equal(Hasher.Signature(normalised), Hasher.Signature(raw));

    [Fact]
    public void Short_texts_are_one_shingle_of_all_their_words()
    {
        var short1 = Hasher.Signature("alpha beta gamma");
        Assert.Equal(short1, Hasher.Signature("Alpha, beta; gamma."));
        Assert.True(MinHasher.EstimatedJaccard(short1, Hasher.Signature("alpha beta delta")) < 0.1);
        Assert.DoesNotContain(ulong.MaxValue, short1);
    }

    [Fact]
    public void Empty_texts_share_the_all_max_signature()
    {
        Assert.All(Hasher.Signature(""), v => Assert.Equal(ulong.MaxValue, v));
        Assert.Equal(Hasher.Signature("   "), Hasher.Signature("!!! ..."));
    }

    [Fact]
    public void Span_overload_checks_the_length()
    {
        Assert.Throws<ArgumentException>(() => Hasher.Signature("text", new ulong[10]));
    }

    [Fact]
    public void Generated_pairs_hit_their_target_similarity()
    {
        var random = new Random(11);
        foreach (double s in new[] { 0.3, 0.5, 0.7, 0.9, 0.97 })
        {
            for (int i = 0; i < 20; i++)
            {
                var (a, b) = SimilarPairs.Generate(random, 200, 5, s);
                Assert.InRange(SimilarPairs.ExactJaccard(a, b, 5), s - 0.01, s + 0.01);
            }
        }
    }

    [Fact]
    public void Estimated_jaccard_tracks_exact_jaccard()
    {
        var random = new Random(5);
        double totalError = 0;
        const int pairs = 150;
        for (int i = 0; i < pairs; i++)
        {
            var (a, b) = SimilarPairs.Generate(random, 100, 5, random.NextDouble() * 0.95 + 0.02);
            double exact = SimilarPairs.ExactJaccard(a, b, 5);
            double estimate = MinHasher.EstimatedJaccard(Hasher.Signature(a), Hasher.Signature(b));
            // 112 slots: standard deviation at most 0.047, so 5 sd is a bound a correct hasher essentially never crosses.
            Assert.InRange(estimate - exact, -0.24, 0.24);
            totalError += estimate - exact;
        }
        Assert.InRange(totalError / pairs, -0.015, 0.015);   // unbiased: the mean error of 150 pairs is within ~4 standard errors
    }

    [Fact]
    public void Candidate_rate_follows_the_s_curve()
    {
        double[] similarities = [0.5, 0.6, 0.7, 0.8, 0.9];
        const int pairs = 400;
        var results = NearDuplicateRecall.Measure(Options, similarities, pairs, seed: 1);
        Assert.Equal(similarities.Length, results.Count);
        for (int i = 0; i < similarities.Length; i++)
        {
            var (jaccard, measured, theoretical) = results[i];
            Assert.InRange(jaccard, similarities[i] - 0.01, similarities[i] + 0.01);
            Assert.InRange(theoretical, Options.CandidateProbability(similarities[i]) - 0.05, Options.CandidateProbability(similarities[i]) + 0.05);
            // Binomial tolerance: 4.5 standard deviations plus a small allowance for the universal hash family.
            double tolerance = 4.5 * Math.Sqrt(theoretical * (1 - theoretical) / pairs) + 0.02;
            Assert.InRange(measured, theoretical - tolerance, theoretical + tolerance);
        }
        Assert.True(results[0].Measured < 0.15 && results[^1].Measured > 0.97, "the S-curve separates 0.5 from 0.9");
    }

    [Fact]
    public void Recall_measurement_is_deterministic()
    {
        var first = NearDuplicateRecall.Measure(Options, [0.75], 50, seed: 9);
        var second = NearDuplicateRecall.Measure(Options, [0.75], 50, seed: 9);
        Assert.Equal(first, second);
    }
}
