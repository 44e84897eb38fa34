using SharpLM.Retrieval.Store;

namespace SharpLM.Retrieval.Search;

/// <summary>
/// Reciprocal rank fusion (Cormack, Clarke and Büttcher, 2009): score(d) = Σ over rankings of 1 / (k + rank(d)),
/// ranks from 1, a ranking without d adding nothing. It fuses ranks, never the incomparable raw scores.
/// </summary>
public static class ReciprocalRankFusion
{
    public const int DefaultK = 60;

    /// <summary>The fused ranking, best first; equal fused scores keep the order in which the chunks were first seen.</summary>
    public static List<RankedChunk> Fuse(IReadOnlyList<IReadOnlyList<RankedChunk>> rankings, int k = DefaultK)
    {
        if (k < 0) throw new ArgumentOutOfRangeException(nameof(k), "the rank constant must not be negative.");
        var scores = new Dictionary<long, double>();
        var firstSeen = new Dictionary<long, int>();
        foreach (var ranking in rankings)
            for (int i = 0; i < ranking.Count; i++)
            {
                long id = ranking[i].ChunkId;
                scores[id] = scores.GetValueOrDefault(id) + 1.0 / (k + i + 1);
                firstSeen.TryAdd(id, firstSeen.Count);
            }
        return scores.OrderByDescending(p => p.Value).ThenBy(p => firstSeen[p.Key]).Select(p => new RankedChunk(p.Key, p.Value)).ToList();
    }
}
