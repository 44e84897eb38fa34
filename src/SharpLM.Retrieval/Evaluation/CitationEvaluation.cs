using Microsoft.Extensions.AI;
using SharpLM.Core;
using SharpLM.Retrieval.Answering;
using SharpLM.Retrieval.Search;

namespace SharpLM.Retrieval.Evaluation;

/// <summary>
/// Asks a model each question of a set through <see cref="RetrievalChatClient"/> (the path of `rag ask`: numbered
/// chunks in the prompt, the cited answer object under the constrained decoder) and scores its citations against the
/// question's gold chunks with <see cref="CitationMetrics"/>, macro-averaged over the questions.
/// </summary>
public static class CitationEvaluation
{
    /// <param name="chunks">Chunks numbered in each prompt.</param>
    /// <param name="progress">Called after each answer with (done, total).</param>
    public static List<CitationScores> Run(IChatClient model, Retriever retriever, IReadOnlyList<EvaluationQuestion> questions, int chunks,
        IEnumerable<RetrievalMethod> methods, ChatOptions options, int maxAnswerLength = RagPrompt.DefaultMaxAnswerLength, Action<int, int>? progress = null)
    {
        if (questions.Count == 0) throw new SharpLMException("the evaluation set has no questions.");
        var gold = RetrievalEvaluation.GoldChunks(retriever.Store, questions);
        var methodList = methods.ToList();
        int done = 0, total = questions.Count * methodList.Count;
        var scores = new List<CitationScores>();
        foreach (var method in methodList)
        {
            // Not disposed: a delegating client disposes its inner one, and the caller's model serves the next method too.
            var rag = new RetrievalChatClient(model, retriever)
            {
                Method = method, Chunks = chunks, MaxAnswerLength = maxAnswerLength, RequireReadableAnswer = false,
            };
            double precision = 0, recall = 0;
            int unreadable = 0;
            for (int q = 0; q < questions.Count; q++)
            {
                var response = rag.GetResponseAsync([new ChatMessage(ChatRole.User, questions[q].Query)], options).GetAwaiter().GetResult();
                var context = (List<NumberedChunk>)response.AdditionalProperties![RetrievalChatClient.ContextKey]!;
                if (response.AdditionalProperties.TryGetValue(RetrievalChatClient.AnswerKey, out var value) && value is CitedAnswer answer)
                {
                    var (p, r) = CitationMetrics.Score(answer.Citations, context, gold[q]);
                    precision += p;
                    recall += r;
                }
                else unreadable++;
                progress?.Invoke(++done, total);
            }
            int n = questions.Count;
            scores.Add(new CitationScores(RetrievalMethods.Name(method), chunks, precision / n, recall / n, n, unreadable));
        }
        return scores;
    }
}
