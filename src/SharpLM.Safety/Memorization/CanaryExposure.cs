using SharpLM.Data.Canaries;

namespace SharpLM.Safety.Memorization;

/// <summary>
/// One canary's exposure (Carlini et al. 2019): log2 |R| − log2 rank, where R is every secret of the canary's length
/// and the rank is the canary's place (1 = most likely) when all candidates are ordered by the model's
/// log-probability. <see cref="Method"/> is "exact" when every candidate was scored, else "sampled": the rank is
/// estimated as 1 + (|R| − 1)·k/S from k of S uniform candidates scoring higher. <see cref="Extrapolated"/> fits a
/// normal distribution to the sampled candidates' log-probabilities and reads the share above the canary from its
/// tail, which still resolves exposures beyond log2 S where the sample saw no better candidate.
/// </summary>
public sealed record ExposureResult(string Secret, int Repetitions, double LogProbability, double Rank, double Exposure, double MaxExposure,
    string Method, int Candidates, double Extrapolated);

public static class CanaryExposure
{
    /// <param name="score">Log-probability of a canary text under the model.</param>
    /// <param name="exactLimit">Largest candidate space scored in full.</param>
    /// <param name="samples">Candidates drawn when the space is larger.</param>
    public static ExposureResult Measure(Func<string, double> score, string format, Canary canary, long exactLimit, int samples, long seed)
    {
        var (_, digits, _) = CanaryFormat.Split(format);
        double space = Math.Pow(10, digits);
        double own = score(canary.Text);
        var others = new List<double>();
        bool exact = space <= exactLimit;
        if (exact)
        {
            for (long n = 0; n < (long)space; n++)
            {
                string secret = n.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(digits, '0');
                if (secret != canary.Secret) others.Add(score(CanaryFormat.Fill(format, secret)));
            }
        }
        else
        {
            var random = new Random((int)(seed & int.MaxValue) ^ StableHash(canary.Secret));
            while (others.Count < samples)
            {
                string secret = string.Concat(Enumerable.Range(0, digits).Select(_ => (char)('0' + random.Next(10))));
                if (secret != canary.Secret) others.Add(score(CanaryFormat.Fill(format, secret)));
            }
        }
        // Candidates whose score equals the canary's up to rounding (the same token log-probabilities summed in
        // another order) are ties, not better.
        double tolerance = 1e-9 * Math.Max(1, Math.Abs(own));
        int higher = others.Count(o => o > own + tolerance);
        double rank = exact ? 1 + higher : 1 + (space - 1) * higher / others.Count;
        double max = Math.Log2(space);
        return new ExposureResult(canary.Secret, canary.Repetitions, own, rank, max - Math.Log2(rank), max, exact ? "exact" : "sampled", others.Count,
            ExtrapolatedExposure(others, own, max));
    }

    /// <summary>−log2 of the normal tail above <paramref name="own"/>, fitted to the candidates' log-probabilities, at most log2 |R|.</summary>
    public static double ExtrapolatedExposure(IReadOnlyList<double> candidates, double own, double max)
    {
        double mean = candidates.Average();
        double sd = Math.Sqrt(candidates.Sum(c => (c - mean) * (c - mean)) / Math.Max(1, candidates.Count - 1));
        if (sd == 0) return own > mean ? max : 0;
        double tail = NormalUpperTail((own - mean) / sd);
        return Math.Clamp(-Math.Log2(tail), 0, max);
    }

    /// <summary>P(Z &gt; z) for a standard normal Z, via the Chebyshev-fitted erfc of Numerical Recipes (erfcc; fractional error below 1.2e-7).</summary>
    public static double NormalUpperTail(double z) => 0.5 * Erfc(z / Math.Sqrt(2));

    private static double Erfc(double x)
    {
        double z = Math.Abs(x);
        double t = 1 / (1 + 0.5 * z);
        double r = t * Math.Exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807
            + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? r : 2 - r;
    }

    /// <summary>A hash that does not change between processes (string.GetHashCode does), so samples repeat.</summary>
    private static int StableHash(string text)
    {
        unchecked
        {
            int hash = (int)2166136261;
            foreach (char c in text) hash = (hash ^ c) * 16777619;
            return hash;
        }
    }
}
