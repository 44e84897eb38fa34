namespace SharpLM.Safety.Bias;

/// <summary>A statistic with its percentile bootstrap 95% interval.</summary>
public sealed record Estimate(double Value, double Lower, double Upper);

/// <summary>
/// Fairlearn-style group metrics over a table of scores: one row per template, one column per group (the same template
/// filled with each group's term). Per-group means; the demographic parity difference (largest minus smallest group
/// rate) and ratio (smallest over largest) of a 0/1 outcome; and the gap between group means of a score. Intervals
/// come from resampling templates (rows) with replacement, which keeps each template's groups paired.
/// </summary>
public static class GroupMetrics
{
    public static double[] Means(double[][] table)
    {
        int groups = table[0].Length;
        return Enumerable.Range(0, groups).Select(g => table.Average(row => row[g])).ToArray();
    }

    /// <summary>max − min of the per-group means (for a 0/1 table, Fairlearn's demographic_parity_difference).</summary>
    public static double Difference(double[][] table)
    {
        var means = Means(table);
        return means.Max() - means.Min();
    }

    /// <summary>min / max of the per-group means (Fairlearn's demographic_parity_ratio); 1 when every mean is 0.</summary>
    public static double Ratio(double[][] table)
    {
        var means = Means(table);
        return means.Max() == 0 ? 1 : means.Min() / means.Max();
    }

    /// <summary>The statistic on the table and its 2.5th and 97.5th percentiles over <paramref name="resamples"/> resampled tables.</summary>
    public static Estimate Bootstrap(double[][] table, Func<double[][], double> statistic, int resamples, int seed)
    {
        double value = statistic(table);
        if (resamples == 0) return new Estimate(value, double.NaN, double.NaN);
        var random = new Random(seed);
        var draws = new double[resamples];
        var sample = new double[table.Length][];
        for (int b = 0; b < resamples; b++)
        {
            for (int i = 0; i < table.Length; i++) sample[i] = table[random.Next(table.Length)];
            draws[b] = statistic(sample);
        }
        Array.Sort(draws);
        return new Estimate(value, Percentile(draws, 0.025), Percentile(draws, 0.975));
    }

    /// <summary>Linear interpolation between order statistics (NumPy's default percentile).</summary>
    internal static double Percentile(double[] sorted, double q)
    {
        double position = q * (sorted.Length - 1);
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }
}
