using SharpLM.Retrieval.Evaluation;
using SharpLM.Retrieval.Search;
using SharpLM.Retrieval.Store;

namespace SharpLM.Retrieval.Tests;

public class RankingMetricsTests
{
    private static readonly HashSet<string> Relevant = ["b", "d", "z"];
    private static readonly List<string> Ranking = ["a", "b", "c", "d", "e"];

    [Fact]
    public void Precision_recall_and_reciprocal_rank_by_hand()
    {
        Assert.Equal(1 / 3.0, RankingMetrics.PrecisionAt(Ranking, Relevant, 3), 12);  // b in the top 3
        Assert.Equal(2 / 5.0, RankingMetrics.PrecisionAt(Ranking, Relevant, 5), 12);
        Assert.Equal(2 / 3.0, RankingMetrics.RecallAt(Ranking, Relevant, 5), 12);     // z is never retrieved
        Assert.Equal(0.5, RankingMetrics.ReciprocalRank(Ranking, Relevant), 12);
        Assert.Equal(0, RankingMetrics.ReciprocalRank(Ranking, new HashSet<string> { "q" }));
    }

    [Fact]
    public void Ndcg_with_linear_gain_by_hand()
    {
        var scored = Ranking.Select((item, i) => (item, 10.0 - i)).ToList();
        // DCG = 1/log2(3) + 1/log2(5); IDCG over min(k, 3) = 3 relevant = 1 + 1/log2(3) + 1/log2(4).
        double dcg = 1 / Math.Log2(3) + 1 / Math.Log2(5), ideal = 1 + 1 / Math.Log2(3) + 0.5;
        Assert.Equal(dcg / ideal, RankingMetrics.NdcgAt(scored, Relevant, 10), 12);
        // At k = 2 only b counts, against an ideal of two relevant items.
        Assert.Equal(1 / Math.Log2(3) / (1 + 1 / Math.Log2(3)), RankingMetrics.NdcgAt(scored, Relevant, 2), 12);
    }

    [Fact]
    public void Ndcg_averages_gain_over_tied_scores()
    {
        // a and b tie for the top: each position gets half a relevant item. c and d tie across the cut-off k = 3.
        var scored = new List<(string, double)> { ("a", 5), ("b", 5), ("c", 3), ("d", 3), ("e", 1) };
        double d1 = 1, d2 = 1 / Math.Log2(3), d3 = 0.5;
        double dcg = 0.5 * (d1 + d2) + 0.5 * d3;   // group {a,b}: gain 1 of 2; group {c,d}: gain 1 of 2, only position 3 within k
        double ideal = d1 + d2 + d3;
        Assert.Equal(dcg / ideal, RankingMetrics.NdcgAt(scored, Relevant, 3), 12);
        // Without ties the same order scores b at rank 2 and d at rank 4 (outside k = 3).
        var untied = scored.Select((p, i) => (p.Item1, 10.0 - i)).ToList();
        Assert.Equal(d2 / ideal, RankingMetrics.NdcgAt(untied, Relevant, 3), 12);
    }

    [Fact]
    public void Reciprocal_rank_fusion_follows_its_formula()
    {
        var bm25 = new List<RankedChunk> { new(1, 9), new(2, 8), new(3, 7) };
        var dense = new List<RankedChunk> { new(3, 0.9), new(4, 0.8), new(1, 0.7) };
        var fused = ReciprocalRankFusion.Fuse([bm25, dense], k: 60);
        var expected = new Dictionary<long, double>
        {
            [1] = 1.0 / 61 + 1.0 / 63,
            [2] = 1.0 / 62,
            [3] = 1.0 / 63 + 1.0 / 61,
            [4] = 1.0 / 62,
        };
        Assert.Equal(4, fused.Count);
        foreach (var item in fused) Assert.Equal(expected[item.ChunkId], item.Score, 15);
        // 1 and 3 tie (first seen: 1), then 2 and 4 tie (first seen: 2).
        Assert.Equal([1L, 3L, 2L, 4L], fused.Select(f => f.ChunkId));
        // A small constant lets the top ranks dominate: with k = 0 chunk 1 (ranks 1 and 3) beats chunk 4 (rank 2 only).
        var sharp = ReciprocalRankFusion.Fuse([bm25, dense], k: 0);
        Assert.Equal(1.0 + 1.0 / 3, sharp.Single(f => f.ChunkId == 1).Score, 15);
    }
}
