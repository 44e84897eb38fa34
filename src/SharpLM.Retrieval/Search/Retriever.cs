using SharpLM.Core;
using SharpLM.Retrieval.Embeddings;
using SharpLM.Retrieval.Store;

namespace SharpLM.Retrieval.Search;

/// <summary>Answers a query from an index by its full-text ranking (BM25 in SQLite), by embedding similarity, or by both fused with reciprocal rank fusion.</summary>
public sealed class Retriever(IRagStore store, BatchEmbedder embedder)
{
    /// <summary>The RRF rank constant k.</summary>
    public int FusionK { get; init; } = ReciprocalRankFusion.DefaultK;

    /// <summary>How deep each ranking is read before fusion; at least the k asked for.</summary>
    public int FusionDepth { get; init; } = 50;

    public IRagStore Store => store;

    public List<RankedChunk> Search(string query, RetrievalMethod method, int k)
    {
        if (k < 1) throw new SharpLMException($"-k must be at least 1, got {k}.");
        if (string.IsNullOrWhiteSpace(query)) throw new SharpLMException("--query is empty.");
        return method switch
        {
            RetrievalMethod.Bm25 => store.SearchLexical(query, k),
            RetrievalMethod.Dense => store.SearchDense(embedder.Embed(query), k),
            _ => Hybrid(query, k),
        };
    }

    private List<RankedChunk> Hybrid(string query, int k)
    {
        int depth = Math.Max(k, FusionDepth);
        var fused = ReciprocalRankFusion.Fuse([store.SearchLexical(query, depth), store.SearchDense(embedder.Embed(query), depth)], FusionK);
        return fused.Take(k).ToList();
    }
}
