using SharpLM.Retrieval.Chunking;
using SharpLM.Retrieval.Evaluation;
using SharpLM.Retrieval.Indexing;
using SharpLM.Retrieval.Search;
using SharpLM.Retrieval.Store;

namespace SharpLM.Retrieval.Tests;

public class EvaluationTests(MiniLmFixture miniLm) : IClassFixture<MiniLmFixture>
{
    private static readonly ChunkingOptions Chunking = new() { MaxTokens = 30, OverlapTokens = 10 };

    private static SharpLM.Core.Formats.Documents.Document[] Documents() =>
    [
        TestCorpus.Doc("sotu/1", "The revenue of the treasury exceeded every estimate made by the secretary last winter. "
            + "Congress should therefore lower the duties charged upon imported woolen goods and iron rails. "
            + "Our ministers abroad report friendly relations with every European government this season."),
        TestCorpus.Doc("sotu/2", "The frontier settlements suffered repeated attacks during the long summer months. "
            + "Additional regiments were ordered westward to protect families traveling along the overland trails. "
            + "Surveyors completed maps of the territories beyond the great river."),
        TestCorpus.Doc("sotu/3", "Public schools should receive generous support from every state legislature. "
            + "Educated citizens alone can preserve free institutions through coming generations."),
    ];

    [Fact]
    public void The_question_set_is_reproducible_and_its_gold_chunks_hold_the_sentence()
    {
        var documents = Documents();
        var first = QuestionSet.Generate(documents, Chunking, 6, seed: 7);
        var again = QuestionSet.Generate(documents.Reverse().ToList(), Chunking, 6, seed: 7);
        Assert.Equal(first.Select(q => (q.Query, q.DocumentId, q.CharStart)), again.Select(q => (q.Query, q.DocumentId, q.CharStart)));
        Assert.NotEqual(first.Select(q => q.Query), QuestionSet.Generate(documents, Chunking, 6, seed: 8).Select(q => q.Query));
        var chunker = new Chunker(Chunking);
        foreach (var question in first)
        {
            var document = documents.Single(d => d.Id == question.DocumentId);
            string sentence = document.Text[question.CharStart..question.CharEnd];
            var chunks = chunker.Split(document.Id, document.Text);
            Assert.NotEmpty(question.GoldChunks);
            foreach (int gold in question.GoldChunks) Assert.Contains(sentence, chunks[gold].Text);
            Assert.Equal(QuestionSet.QueryWords, question.Query.Split(' ').Length);
            Assert.All(question.Query.Split(' '), word => Assert.Contains(word, sentence.ToLowerInvariant()));
        }
    }

    [Fact]
    public void Evaluation_averages_the_metrics_of_each_question()
    {
        using var corpus = new TestCorpus();
        var documents = Documents();
        using var store = SqliteRagStore.Open(corpus.Db, create: true);
        new RagIndexer(store, miniLm.Embedder(), Chunking).Run(corpus.Write("docs.jsonl", documents));
        var questions = QuestionSet.Generate(documents, Chunking, 5, seed: 3);
        var retriever = new Retriever(store, miniLm.Embedder());
        var scores = RetrievalEvaluation.Run(retriever, questions, 3, RetrievalMethods.All);
        Assert.Equal(["bm25", "dense", "hybrid"], scores.Select(s => s.Method));

        // The same numbers, recomputed here from the rankings.
        var ids = store.AllChunks().ToDictionary(c => (c.DocumentId, c.Index), c => c.Id);
        foreach (var method in RetrievalMethods.All)
        {
            double ndcg = 0, mrr = 0, recall = 0;
            foreach (var question in questions)
            {
                var gold = question.GoldChunks.Select(i => ids[(question.DocumentId, i)]).ToHashSet();
                var ranked = retriever.Search(question.Query, method, 10);
                int first = ranked.FindIndex(r => gold.Contains(r.ChunkId));
                mrr += first < 0 ? 0 : 1.0 / (first + 1);
                recall += (double)ranked.Take(3).Count(r => gold.Contains(r.ChunkId)) / gold.Count;
                ndcg += RankingMetrics.NdcgAt(ranked.Select(r => (r.ChunkId, r.Score)).ToList(), gold, 10);
            }
            var s = scores.Single(x => x.Method == RetrievalMethods.Name(method));
            Assert.Equal(mrr / questions.Count, s.Mrr, 12);
            Assert.Equal(recall / questions.Count, s.RecallAtK, 12);
            Assert.Equal(ndcg / questions.Count, s.NdcgAt10, 12);
            Assert.InRange(s.NdcgAt10, 0, 1);
        }
        // Every query is drawn from a gold sentence, so BM25 finds something relevant in the top ten.
        Assert.True(scores[0].Mrr > 0.5, $"BM25 MRR {scores[0].Mrr}");
    }

    [Fact]
    public void Questions_round_trip_through_their_file()
    {
        using var corpus = new TestCorpus();
        var questions = QuestionSet.Generate(Documents(), Chunking, 4, seed: 1);
        string path = Path.Combine(corpus.Root, "q.jsonl");
        QuestionSet.Write(path, questions);
        Assert.Equal(questions.Select(q => (q.Id, q.Query, string.Join(',', q.GoldChunks))),
            QuestionSet.Read(path).Select(q => (q.Id, q.Query, string.Join(',', q.GoldChunks))));
        File.WriteAllText(path, "{\"id\": 3}\n");
        Assert.StartsWith($"{path}:1:", Assert.Throws<SharpLM.Core.SharpLMException>(() => QuestionSet.Read(path)).Message);
    }
}
