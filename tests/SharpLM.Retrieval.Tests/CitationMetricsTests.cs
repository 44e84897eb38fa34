using Microsoft.Extensions.AI;
using SharpLM.Retrieval.Answering;
using SharpLM.Retrieval.Chunking;
using SharpLM.Retrieval.Embeddings;
using SharpLM.Retrieval.Evaluation;
using SharpLM.Retrieval.Indexing;
using SharpLM.Retrieval.Search;
using SharpLM.Retrieval.Store;
using SharpLM.Serving.Clients;

namespace SharpLM.Retrieval.Tests;

public class CitationMetricsTests(TinyModel model) : IClassFixture<TinyModel>
{
    // Prompt numbers 1..4 hold chunk ids 10, 11, 12, 13.
    private static readonly List<NumberedChunk> Context =
        [.. new long[] { 10, 11, 12, 13 }.Select((id, i) => new NumberedChunk(i + 1, new StoredChunk(id, "doc", i, 0, 0, "", "test")))];

    [Theory]
    // cited {1,2} → {10,11}; gold {10,20}: 1 of 2 cited is gold, 1 of 2 gold is cited.
    [InlineData(new[] { 1, 2 }, new long[] { 10, 20 }, 0.5, 0.5)]
    // Citing nothing earns nothing.
    [InlineData(new int[0], new long[] { 10 }, 0.0, 0.0)]
    // Duplicates count once: {1} is all gold, and the one gold chunk is cited.
    [InlineData(new[] { 1, 1, 1 }, new long[] { 10 }, 1.0, 1.0)]
    // 7 names no retrieved chunk: cited {1, 7}, correct {1}.
    [InlineData(new[] { 1, 7 }, new long[] { 10, 11 }, 0.5, 0.5)]
    // Gold outside the retrieved set can never be cited: recall 1/3 at best.
    [InlineData(new[] { 3 }, new long[] { 12, 30, 31 }, 1.0, 1.0 / 3)]
    // All cited, none gold.
    [InlineData(new[] { 4, 3, 2, 1 }, new long[] { 99 }, 0.0, 0.0)]
    // 3 of 4 distinct citations are gold, and the three gold chunks are all cited.
    [InlineData(new[] { 2, 3, 4, 1, 2 }, new long[] { 11, 12, 13 }, 0.75, 1.0)]
    public void Citation_precision_and_recall_match_hand_computed_values(int[] citations, long[] gold, double precision, double recall)
    {
        var (p, r) = CitationMetrics.Score(citations, Context, gold.ToHashSet());
        Assert.Equal(precision, p, 12);
        Assert.Equal(recall, r, 12);
    }

    [Fact]
    public void Citation_evaluation_answers_each_question_with_the_model_and_scores_its_citations()
    {
        using var corpus = new TestCorpus();
        var documents = new[]
        {
            TestCorpus.Doc("t/1", "The navy launched four iron frigates this year. The tariff on iron was lowered twice."),
            TestCorpus.Doc("t/2", "The army guarded the frontier all summer. Revenue from the tariff paid the army."),
        };
        var chunking = new ChunkingOptions { MaxTokens = 12, OverlapTokens = 0 };
        using var store = SqliteRagStore.Open(corpus.Db, create: true);
        using var generator = ModelEmbeddingGenerator.Load(model.Directory);
        var embedder = new BatchEmbedder(generator, 4, 1);
        new RagIndexer(store, embedder, chunking).Run(corpus.Write("docs.jsonl", documents));
        var questions = new List<EvaluationQuestion>
        {
            new() { Id = "q1", Query = "navy launched four iron frigates", DocumentId = "t/1", CharStart = 0, CharEnd = 46, GoldChunks = [0] },
            // Gold is the other document's chunk: the top BM25 chunk is not it.
            new() { Id = "q2", Query = "navy launched four iron frigates", DocumentId = "t/2", CharStart = 0, CharEnd = 41, GoldChunks = [0] },
        };
        using var engine = SharpLMChatClient.Load(model.Directory, slots: 1, threads: 1);

        // One chunk in the prompt: the schema's citations are then exactly [1], the top BM25 chunk, which is t/1's first
        // sentence. So q1 scores precision 1 and recall 1, q2 scores 0 and 0: the means are 0.5 and 0.5.
        var scores = CitationEvaluation.Run(engine, new Retriever(store, embedder), questions, chunks: 1, [RetrievalMethod.Bm25, RetrievalMethod.Dense],
            new ChatOptions { Temperature = 0, MaxOutputTokens = 300 }, maxAnswerLength: 8);

        // The second method is answered by the same model: evaluating the first must not have disposed it.
        Assert.Equal(["bm25", "dense"], scores.Select(s => s.Method));
        Assert.Equal(2, scores[1].Questions);
        var score = scores[0];
        Assert.Equal(("bm25", 1, 2, 0), (score.Method, score.Chunks, score.Questions, score.UnreadableAnswers));
        Assert.Equal(0.5, score.Precision, 12);
        Assert.Equal(0.5, score.Recall, 12);
    }
}
