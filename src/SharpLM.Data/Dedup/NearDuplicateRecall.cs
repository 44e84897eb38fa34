namespace SharpLM.Data.Dedup;

/// <summary>
/// Measures the LSH candidate rate on generated pairs (<see cref="SimilarPairs"/>) against the theoretical
/// S-curve 1 − (1 − s^rows)^bands. For each requested similarity it returns the mean exact Jaccard of the pairs,
/// the fraction of pairs whose signatures share at least one band, and the mean of the S-curve over the pairs'
/// exact similarities.
/// </summary>
public static class NearDuplicateRecall
{
    public const int WordsPerDocument = 100;

    public static IReadOnlyList<(double Jaccard, double Measured, double Theoretical)> Measure(
        MinHashOptions options, double[] similarities, int pairs, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pairs, 1);
        var hasher = new MinHasher(options);
        var first = new ulong[options.SignatureLength];
        var second = new ulong[options.SignatureLength];
        var results = new List<(double, double, double)>(similarities.Length);
        for (int s = 0; s < similarities.Length; s++)
        {
            var random = new Random(unchecked(seed * 1_000_003 + s));   // HashCode.Combine is randomised per process
            double jaccardSum = 0, theoreticalSum = 0;
            int candidates = 0;
            for (int p = 0; p < pairs; p++)
            {
                var (a, b) = SimilarPairs.Generate(random, WordsPerDocument, options.ShingleWords, similarities[s]);
                double jaccard = SimilarPairs.ExactJaccard(a, b, options.ShingleWords);
                jaccardSum += jaccard;
                theoreticalSum += options.CandidateProbability(jaccard);
                hasher.Signature(a, first);
                hasher.Signature(b, second);
                if (ShareBand(first, second, options)) candidates++;
            }
            results.Add((jaccardSum / pairs, (double)candidates / pairs, theoreticalSum / pairs));
        }
        return results;
    }

    /// <summary>True when some band's slots are all equal: the event the LSH index detects (up to 64-bit key collisions).</summary>
    public static bool ShareBand(ReadOnlySpan<ulong> first, ReadOnlySpan<ulong> second, MinHashOptions options)
    {
        for (int band = 0; band < options.Bands; band++)
        {
            int start = band * options.Rows;
            if (first.Slice(start, options.Rows).SequenceEqual(second.Slice(start, options.Rows))) return true;
        }
        return false;
    }
}
