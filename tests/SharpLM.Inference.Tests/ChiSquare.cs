namespace SharpLM.Inference.Tests;

/// <summary>Pearson's chi-square goodness of fit, for checking that seeded draws follow a known distribution.</summary>
internal static class ChiSquare
{
    /// <summary>
    /// Asserts that <paramref name="counts"/> (draws per outcome) fit <paramref name="expected"/> probabilities:
    /// no draw of an impossible outcome, and a statistic below df + 6·√(2·df), six standard deviations above
    /// its mean under the null hypothesis (generous, so fixed seeds pass by a wide margin while a wrong
    /// distribution at these sample sizes fails by far more). Outcomes expected fewer than 5 times are pooled.
    /// </summary>
    public static void AssertFits(IReadOnlyList<long> counts, IReadOnlyList<double> expected, string what)
    {
        long draws = counts.Sum();
        Assert.Equal(counts.Count, expected.Count);
        double statistic = 0, pooledObserved = 0, pooledExpected = 0;
        int cells = 0;
        for (int i = 0; i < counts.Count; i++)
        {
            if (expected[i] == 0)
            {
                Assert.True(counts[i] == 0, $"{what}: outcome {i} has probability 0 but was drawn {counts[i]} times.");
                continue;
            }
            double e = expected[i] * draws;
            if (e < 5)
            {
                pooledObserved += counts[i];
                pooledExpected += e;
                continue;
            }
            statistic += (counts[i] - e) * (counts[i] - e) / e;
            cells++;
        }
        if (pooledExpected > 0)
        {
            statistic += (pooledObserved - pooledExpected) * (pooledObserved - pooledExpected) / pooledExpected;
            cells++;
        }
        int df = Math.Max(1, cells - 1);
        double limit = df + 6 * Math.Sqrt(2.0 * df);
        Assert.True(statistic < limit, $"{what}: chi-square {statistic:F1} with {df} degrees of freedom exceeds {limit:F1}.");
    }
}
