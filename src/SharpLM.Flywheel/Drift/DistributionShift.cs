namespace SharpLM.Flywheel.Drift;

/// <summary>
/// Two measures of how far a sample ("now") has moved from a reference sample ("training"): the two-sample
/// Kolmogorov–Smirnov statistic over raw values and the population stability index over shared bins.
/// </summary>
public static class DistributionShift
{
    /// <summary>Proportion given to an empty bin in the PSI so its logarithm stays finite.</summary>
    public const double EmptyBinShare = 1e-4;

    /// <summary>D = sup_x |F_reference(x) − F_sample(x)| over the two empirical distribution functions.</summary>
    public static double KolmogorovSmirnov(IReadOnlyList<double> reference, IReadOnlyList<double> sample)
    {
        if (reference.Count == 0 || sample.Count == 0) throw new ArgumentException("Both samples need values.");
        var a = reference.Order().ToArray();
        var b = sample.Order().ToArray();
        int i = 0, j = 0;
        double d = 0;
        while (i < a.Length && j < b.Length)
        {
            // Step past every copy of the smaller value on both sides, so ties move both functions together.
            double x = Math.Min(a[i], b[j]);
            while (i < a.Length && a[i] == x) i++;
            while (j < b.Length && b[j] == x) j++;
            d = Math.Max(d, Math.Abs((double)i / a.Length - (double)j / b.Length));
        }
        return d;
    }

    /// <summary>
    /// The asymptotic p-value of D for sample sizes n and m: Q_KS((√N + 0.12 + 0.11/√N)·D) with N = nm/(n+m) and
    /// Q_KS(λ) = 2 Σ_k (−1)^(k−1) e^(−2k²λ²). Rough below a few dozen values per side.
    /// </summary>
    public static double KolmogorovSmirnovPValue(double d, int n, int m)
    {
        double effective = (double)n * m / (n + m), root = Math.Sqrt(effective);
        return KolmogorovQ((root + 0.12 + 0.11 / root) * d);
    }

    internal static double KolmogorovQ(double lambda)
    {
        if (lambda < 1e-3) return 1;
        double sum = 0;
        for (int k = 1; k <= 100; k++)
        {
            double term = Math.Exp(-2.0 * k * k * lambda * lambda);
            sum += (k % 2 == 1 ? 1 : -1) * term;
            if (term < 1e-16) break;
        }
        return Math.Clamp(2 * sum, 0, 1);
    }

    /// <summary>PSI = Σ (s_i − r_i) ln(s_i / r_i) over bin shares r (reference) and s (sample); empty bins count as <see cref="EmptyBinShare"/>.</summary>
    public static double PopulationStability(IReadOnlyList<int> referenceCounts, IReadOnlyList<int> sampleCounts)
    {
        if (referenceCounts.Count != sampleCounts.Count) throw new ArgumentException("Both histograms need the same bins.");
        double r = referenceCounts.Sum(), s = sampleCounts.Sum();
        double psi = 0;
        for (int i = 0; i < referenceCounts.Count; i++)
        {
            double p = Math.Max(referenceCounts[i] / r, EmptyBinShare), q = Math.Max(sampleCounts[i] / s, EmptyBinShare);
            psi += (q - p) * Math.Log(q / p);
        }
        return psi;
    }
}
