namespace SharpLM.Evaluation.Pairwise;

/// <summary>
/// The chess-style online Elo update, K = 32, every model starting at 1000, applied to the judgements in file
/// order. Unlike the Bradley–Terry fit the result depends on that order (the same games shuffled give other
/// ratings) and recent games weigh more; it is shown beside the fit for comparison, not used for decisions.
/// </summary>
public static class OnlineElo
{
    public const double K = 32, Start = 1000;

    public static IReadOnlyDictionary<string, double> Ratings(IReadOnlyList<PairwiseJudgement> judgements, double k = K)
    {
        var ratings = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var j in judgements)
        {
            double ra = ratings.GetValueOrDefault(j.A, Start), rb = ratings.GetValueOrDefault(j.B, Start);
            double expectedA = 1 / (1 + Math.Pow(10, (rb - ra) / 400));
            double delta = k * (j.ScoreOfA - expectedA);
            ratings[j.A] = ra + delta;
            ratings[j.B] = rb - delta;
        }
        return ratings;
    }
}
