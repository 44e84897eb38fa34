namespace SharpLM.Evaluation.Pairwise;

/// <summary>
/// Bradley–Terry strengths by maximum likelihood: P(i beats j) = p_i / (p_i + p_j), a tie counted as half a win
/// for each side (not Davidson's tie parameter), fitted with the minorisation–maximisation (Zermelo) iteration
/// p_i ← W_i / Σ_j n_ij / (p_i + p_j), where W_i is i's score and n_ij the games of i and j. Strengths are
/// reported on the Elo scale, 400·log10(p_i), shifted so that their mean is 1000.
/// </summary>
internal static class BradleyTerry
{
    public const double Mean = 1000;
    private const double Tolerance = 1e-12;
    private const int MaxIterations = 200_000;

    /// <summary>Elo-scale ratings, one per model of <paramref name="counts"/>; needs <see cref="PairCounts.MaximumLikelihoodExists"/>.</summary>
    public static double[] Ratings(PairCounts counts) => ToElo(LogStrengths(counts));

    /// <summary>The fitted natural-log strengths, centred on 0.</summary>
    public static double[] LogStrengths(PairCounts counts)
    {
        int m = counts.Models.Count;
        var p = Enumerable.Repeat(1.0, m).ToArray();
        var score = new double[m];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < m; j++) score[i] += counts.Score[i, j];
        for (int iteration = 0; iteration < MaxIterations; iteration++)
        {
            var next = new double[m];
            for (int i = 0; i < m; i++)
            {
                double denominator = 0;
                for (int j = 0; j < m; j++)
                    if (j != i && counts.Games[i, j] > 0) denominator += counts.Games[i, j] / (p[i] + p[j]);
                next[i] = score[i] / denominator;
            }
            // Strengths are defined up to a common factor: fix their geometric mean at 1 so changes are comparable.
            double logMean = next.Average(v => Math.Log(v));
            double change = 0;
            for (int i = 0; i < m; i++)
            {
                double value = Math.Exp(Math.Log(next[i]) - logMean);
                change = Math.Max(change, Math.Abs(Math.Log(value) - Math.Log(p[i])));
                p[i] = value;
            }
            if (change < Tolerance) break;
        }
        return p.Select(v => Math.Log(v)).ToArray();
    }

    public static double[] ToElo(double[] logStrengths)
    {
        var elo = logStrengths.Select(t => 400 * t / Math.Log(10)).ToArray();
        double shift = Mean - elo.Average();
        return elo.Select(r => r + shift).ToArray();
    }
}
