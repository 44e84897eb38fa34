namespace SharpLM.Retrieval.Evaluation;

/// <summary>
/// Ranking metrics with binary relevance, in the trec_eval conventions: P@k = |relevant ∩ top k| / k,
/// R@k = |relevant ∩ top k| / |relevant|, reciprocal rank of the first relevant item (0 when none), and nDCG@k with
/// linear gain (gain = relevance, discount 1 / log2(rank + 1)). Equal scores form tie groups: nDCG averages the gain
/// over a group's positions (McSherry and Najork, 2008; scikit-learn's ndcg_score does the same); the other metrics
/// read the ranking in its given order.
/// </summary>
public static class RankingMetrics
{
    public static double PrecisionAt<T>(IReadOnlyList<T> ranking, IReadOnlySet<T> relevant, int k) =>
        (double)ranking.Take(k).Count(relevant.Contains) / k;

    public static double RecallAt<T>(IReadOnlyList<T> ranking, IReadOnlySet<T> relevant, int k) =>
        relevant.Count == 0 ? 0 : (double)ranking.Take(k).Count(relevant.Contains) / relevant.Count;

    public static double ReciprocalRank<T>(IReadOnlyList<T> ranking, IReadOnlySet<T> relevant)
    {
        for (int i = 0; i < ranking.Count; i++)
            if (relevant.Contains(ranking[i])) return 1.0 / (i + 1);
        return 0;
    }

    /// <param name="ranking">Items best first with their scores; items of equal score are one tie group.</param>
    public static double NdcgAt<T>(IReadOnlyList<(T Item, double Score)> ranking, IReadOnlySet<T> relevant, int k)
    {
        double ideal = 0;
        for (int i = 0; i < Math.Min(k, relevant.Count); i++) ideal += Discount(i);
        if (ideal == 0) return 0;
        double dcg = 0;
        for (int start = 0; start < ranking.Count && start < k;)
        {
            int end = start + 1;
            while (end < ranking.Count && ranking[end].Score == ranking[start].Score) end++;
            double gain = 0, discount = 0;
            for (int i = start; i < end; i++)
            {
                if (relevant.Contains(ranking[i].Item)) gain++;
                if (i < k) discount += Discount(i);
            }
            dcg += gain / (end - start) * discount;
            start = end;
        }
        return dcg / ideal;
    }

    /// <summary>1 / log2(rank + 1) for the 0-based position <paramref name="position"/> (rank = position + 1).</summary>
    private static double Discount(int position) => 1 / Math.Log2(position + 2);
}
