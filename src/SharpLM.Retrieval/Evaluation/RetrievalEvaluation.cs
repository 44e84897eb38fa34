using SharpLM.Core;
using SharpLM.Retrieval.Search;
using SharpLM.Retrieval.Store;

namespace SharpLM.Retrieval.Evaluation;

/// <summary>Runs every question of a set through each retrieval method and averages the ranking metrics.</summary>
public static class RetrievalEvaluation
{
    /// <param name="progress">Called after each question of each method with (done, total).</param>
    public static List<MethodScores> Run(Retriever retriever, IReadOnlyList<EvaluationQuestion> questions, int k,
        IEnumerable<RetrievalMethod> methods, Action<int, int>? progress = null)
    {
        if (questions.Count == 0) throw new SharpLMException("the evaluation set has no questions.");
        var gold = GoldChunks(retriever.Store, questions);
        var methodList = methods.ToList();
        int depth = Math.Max(k, 10), done = 0, total = questions.Count * methodList.Count;
        var scores = new List<MethodScores>();
        foreach (var method in methodList)
        {
            double precision = 0, recall = 0, mrr = 0, ndcg = 0;
            for (int q = 0; q < questions.Count; q++)
            {
                var ranked = retriever.Search(questions[q].Query, method, depth);
                var ids = ranked.Select(r => r.ChunkId).ToList();
                precision += RankingMetrics.PrecisionAt(ids, gold[q], k);
                recall += RankingMetrics.RecallAt(ids, gold[q], k);
                mrr += RankingMetrics.ReciprocalRank(ids, gold[q]);
                ndcg += RankingMetrics.NdcgAt(ranked.Select(r => (r.ChunkId, r.Score)).ToList(), gold[q], 10);
                progress?.Invoke(++done, total);
            }
            int n = questions.Count;
            scores.Add(new MethodScores(RetrievalMethods.Name(method), k, precision / n, recall / n, mrr / n, ndcg / n, n));
        }
        return scores;
    }

    /// <summary>Each question's gold chunks as chunk ids of the store.</summary>
    internal static List<IReadOnlySet<long>> GoldChunks(IRagStore store, IReadOnlyList<EvaluationQuestion> questions)
    {
        var chunkIds = store.AllChunks().ToDictionary(c => (c.DocumentId, c.Index), c => c.Id);
        return questions.Select(q => (IReadOnlySet<long>)q.GoldChunks.Select(i => chunkIds.TryGetValue((q.DocumentId, i), out long id) ? id
            : throw new SharpLMException($"question {q.Id}: chunk {i} of document '{q.DocumentId}' is not in the index; index the same documents with the same chunking."))
            .ToHashSet()).ToList();
    }
}
