namespace SharpLM.Safety.Metrics;

/// <summary>
/// A rate of <see cref="Successes"/> in <see cref="Trials"/> with its Wilson score interval, which stays inside [0, 1]
/// and keeps its coverage at small counts and rates near 0 or 1, where the normal approximation fails.
/// </summary>
public sealed record Proportion(int Successes, int Trials, double Lower, double Upper)
{
    /// <summary>The two-sided 95% normal quantile.</summary>
    public const double Z95 = 1.959963984540054;

    public double Rate => Trials == 0 ? double.NaN : (double)Successes / Trials;

    public static Proportion Wilson(int successes, int trials, double z = Z95)
    {
        if (successes < 0 || trials < 0 || successes > trials) throw new ArgumentOutOfRangeException(nameof(successes), "successes must lie in 0..trials.");
        if (trials == 0) return new Proportion(0, 0, double.NaN, double.NaN);
        double n = trials, p = successes / n, z2 = z * z;
        double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        double half = z / (1 + z2 / n) * Math.Sqrt(p * (1 - p) / n + z2 / (4 * n * n));
        // At 0 or n successes one bound is exactly 0 or 1; rounding must not move it.
        return new Proportion(successes, trials, successes == 0 ? 0 : Math.Max(0, centre - half), successes == trials ? 1 : Math.Min(1, centre + half));
    }
}
