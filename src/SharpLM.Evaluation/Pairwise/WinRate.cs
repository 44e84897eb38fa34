namespace SharpLM.Evaluation.Pairwise;

/// <summary>
/// How often <see cref="First"/> beat <see cref="Second"/> in their head-to-head comparisons, a tie counting as half
/// a win, with the Wilson score interval of that rate. The interval takes the half-counted wins as the successes,
/// which treats a tie as half a trial's worth of evidence either way.
/// </summary>
public sealed record WinRate(string First, string Second, int Wins, int Losses, int Ties, double Lower, double Upper)
{
    /// <summary>The two-sided 95% normal quantile.</summary>
    public const double Z95 = 1.959963984540054;

    public int Games => Wins + Losses + Ties;
    public double Rate => (Wins + 0.5 * Ties) / Games;

    /// <summary>One row per pair of models that met, the pair's names in ordinal order.</summary>
    public static IReadOnlyList<WinRate> PerPair(IReadOnlyList<PairwiseJudgement> judgements)
    {
        var counts = new SortedDictionary<(string, string), (int Wins, int Losses, int Ties)>();
        foreach (var j in judgements)
        {
            bool swap = string.CompareOrdinal(j.A, j.B) > 0;
            var key = swap ? (j.B, j.A) : (j.A, j.B);
            double score = swap ? 1 - j.ScoreOfA : j.ScoreOfA;
            var (w, l, t) = counts.GetValueOrDefault(key);
            counts[key] = score switch { 1 => (w + 1, l, t), 0 => (w, l + 1, t), _ => (w, l, t + 1) };
        }
        return counts.Select(c =>
        {
            var (lower, upper) = Wilson(c.Value.Wins + 0.5 * c.Value.Ties, c.Value.Wins + c.Value.Losses + c.Value.Ties);
            return new WinRate(c.Key.Item1, c.Key.Item2, c.Value.Wins, c.Value.Losses, c.Value.Ties, lower, upper);
        }).ToList();
    }

    /// <summary>The Wilson score interval of <paramref name="successes"/> (may be fractional) in <paramref name="trials"/>.</summary>
    public static (double Lower, double Upper) Wilson(double successes, int trials, double z = Z95)
    {
        if (trials <= 0) throw new ArgumentOutOfRangeException(nameof(trials), "a rate needs at least one trial.");
        double n = trials, p = successes / n, z2 = z * z;
        double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        double half = z / (1 + z2 / n) * Math.Sqrt(p * (1 - p) / n + z2 / (4 * n * n));
        return (successes == 0 ? 0 : Math.Max(0, centre - half), successes == trials ? 1 : Math.Min(1, centre + half));
    }
}
