using System.Security.Cryptography;
using System.Text.RegularExpressions;
using SharpLM.Retrieval.Chunking;
using SharpLM.Retrieval.Indexing;
using SharpLM.Retrieval.Search;
using SharpLM.Retrieval.Store;

namespace SharpLM.Retrieval.Tests;

public class RagStoreTests(MiniLmFixture miniLm) : IClassFixture<MiniLmFixture>
{
    private static readonly ChunkingOptions Chunking = new() { MaxTokens = 40, OverlapTokens = 8 };

    private IndexReport Index(TestCorpus corpus, string documents)
    {
        using var store = SqliteRagStore.Open(corpus.Db, create: true);
        return new RagIndexer(store, miniLm.Embedder(), Chunking) { GroupChunks = 3 }.Run(documents);
    }

    [Fact]
    public void Bm25_scores_match_a_textbook_computation_with_fts5_parameters()
    {
        using var corpus = new TestCorpus();
        var documents = TestCorpus.Speeches();
        Index(corpus, corpus.Write("docs.jsonl", documents));
        using var store = SqliteRagStore.Open(corpus.Db, create: false);
        foreach (string query in new[] { "public debt revenue", "army forts", "mail revenue", "new frigates navy" })
        {
            var expected = TextbookBm25(documents.Select(d => d.Text).ToList(), query);
            var actual = store.SearchLexical(query, 10);
            Assert.Equal(expected.Count, actual.Count);
            for (int i = 0; i < actual.Count; i++)
            {
                var chunk = store.GetChunk(actual[i].ChunkId);
                int document = Array.FindIndex(documents, d => d.Id == chunk.DocumentId);
                Assert.Equal(expected[document], actual[i].Score, 1e-9);
                if (i > 0) Assert.True(actual[i - 1].Score >= actual[i].Score);
            }
        }
    }

    /// <summary>
    /// Okapi BM25 as FTS5 defines it (k1 = 1.2, b = 0.75, idf = ln((N − n + 0.5) / (n + 0.5)), at least 1e-6), written
    /// from the formula over lower-cased alphanumeric words; documents without a query word are left out.
    /// </summary>
    private static Dictionary<int, double> TextbookBm25(List<string> texts, string query)
    {
        const double k1 = 1.2, b = 0.75;
        var tokens = texts.Select(t => Regex.Matches(t.ToLowerInvariant(), @"[a-z0-9]+").Select(m => m.Value).ToList()).ToList();
        double averageLength = tokens.Average(t => t.Count);
        var terms = Regex.Matches(query.ToLowerInvariant(), @"[a-z0-9]+").Select(m => m.Value).Distinct().ToList();
        var scores = new Dictionary<int, double>();
        foreach (string term in terms)
        {
            int n = tokens.Count(t => t.Contains(term));
            double idf = Math.Max(1e-6, Math.Log((texts.Count - n + 0.5) / (n + 0.5)));
            for (int d = 0; d < texts.Count; d++)
            {
                int f = tokens[d].Count(w => w == term);
                if (f == 0) continue;
                scores[d] = scores.GetValueOrDefault(d) + idf * f * (k1 + 1) / (f + k1 * (1 - b + b * tokens[d].Count / averageLength));
            }
        }
        return scores;
    }

    [Fact]
    public void Reindexing_an_unchanged_corpus_writes_nothing()
    {
        using var corpus = new TestCorpus();
        string documents = corpus.Write("docs.jsonl", TestCorpus.Speeches());
        var first = Index(corpus, documents);
        Assert.Equal(8, first.Added);
        byte[] before = SHA256.HashData(File.ReadAllBytes(corpus.Db));

        var second = Index(corpus, documents);
        Assert.Equal((0, 0, 8, 0, 0, 0L), (second.Added, second.Changed, second.Unchanged, second.Removed, second.ChunksWritten, second.RowsWritten));
        Assert.Equal(before, SHA256.HashData(File.ReadAllBytes(corpus.Db)));
    }

    [Fact]
    public void Changed_new_and_deleted_documents_are_brought_up_to_date()
    {
        using var corpus = new TestCorpus();
        var speeches = TestCorpus.Speeches();
        Index(corpus, corpus.Write("v1.jsonl", speeches));
        Dictionary<string, List<long>> idsBefore;
        using (var store = SqliteRagStore.Open(corpus.Db, create: false))
            idsBefore = store.AllChunks().GroupBy(c => c.DocumentId).ToDictionary(g => g.Key, g => g.Select(c => c.Id).ToList());

        var v2 = speeches.Where(d => d.Id != "g")
            .Select(d => d.Id == "c" ? TestCorpus.Doc("c", "The navy needs ironclad ships to guard the harbors.") : d)
            .Append(TestCorpus.Doc("i", "Telegraph wires now join the capital to every state."))
            .ToArray();
        var report = Index(corpus, corpus.Write("v2.jsonl", v2));
        Assert.Equal((1, 1, 6, 1), (report.Added, report.Changed, report.Unchanged, report.Removed));

        using var after = SqliteRagStore.Open(corpus.Db, create: false);
        var chunks = after.AllChunks();
        Assert.DoesNotContain(chunks, c => c.DocumentId == "g");
        Assert.Contains(chunks, c => c.DocumentId == "i");
        Assert.Equal("The navy needs ironclad ships to guard the harbors.", chunks.Single(c => c.DocumentId == "c").Text);
        // Unchanged documents keep their rows.
        foreach (string id in new[] { "a", "b", "d", "e", "f", "h" })
            Assert.Equal(idsBefore[id], chunks.Where(c => c.DocumentId == id).Select(c => c.Id));
        // The text index and the vector table forgot the old rows and know the new ones.
        Assert.Empty(after.SearchLexical("slavery", 5));
        Assert.Empty(after.SearchLexical("frigates", 5));
        Assert.Equal("i", after.GetChunk(after.SearchLexical("telegraph", 1)[0].ChunkId).DocumentId);
        var dense = new Retriever(after, miniLm.Embedder()).Search("electric communication lines to the states", RetrievalMethod.Dense, 20);
        Assert.Equal(chunks.Count, dense.Count);
        Assert.Equal("i", after.GetChunk(dense[0].ChunkId).DocumentId);
    }

    [Fact]
    public void Stored_chunks_quote_their_document_exactly()
    {
        using var corpus = new TestCorpus();
        var speeches = TestCorpus.Speeches();
        Index(corpus, corpus.Write("docs.jsonl", speeches));
        using var store = SqliteRagStore.Open(corpus.Db, create: false);
        foreach (var chunk in store.AllChunks())
        {
            var document = speeches.Single(d => d.Id == chunk.DocumentId);
            Assert.Equal(document.Text[chunk.CharStart..chunk.CharEnd], chunk.Text);
            Assert.Equal($"test:{document.Id}", chunk.Source);
        }
    }

    [Fact]
    public void Dense_and_hybrid_find_a_paraphrase()
    {
        using var corpus = new TestCorpus();
        Index(corpus, corpus.Write("docs.jsonl", TestCorpus.Speeches()));
        using var store = SqliteRagStore.Open(corpus.Db, create: false);
        var retriever = new Retriever(store, miniLm.Embedder());
        // No word of the query is in document f.
        Assert.Empty(store.SearchLexical("trains", 5));
        Assert.Equal("f", store.GetChunk(retriever.Search("trains crossing america", RetrievalMethod.Dense, 3)[0].ChunkId).DocumentId);
        Assert.Equal("f", store.GetChunk(retriever.Search("trains crossing america", RetrievalMethod.Hybrid, 3)[0].ChunkId).DocumentId);
        // Hybrid is the RRF of the two rankings.
        string query = "public debt and the navy";
        var fused = ReciprocalRankFusion.Fuse([store.SearchLexical(query, 50), store.SearchDense(miniLm.Embedder().Embed(query), 50)]);
        Assert.Equal(fused.Take(4).Select(f => f.ChunkId), retriever.Search(query, RetrievalMethod.Hybrid, 4).Select(r => r.ChunkId));
    }

    [Fact]
    public void User_mistakes_are_one_sentence_errors()
    {
        using var corpus = new TestCorpus();
        var missing = Assert.Throws<SharpLM.Core.SharpLMException>(() => SqliteRagStore.Open(corpus.Db, create: false));
        Assert.Contains("rag.db", missing.Message);
        string documents = corpus.Write("docs.jsonl", TestCorpus.Speeches());
        Index(corpus, documents);
        using var store = SqliteRagStore.Open(corpus.Db, create: false);
        var other = Assert.Throws<SharpLM.Core.SharpLMException>(() =>
            new RagIndexer(store, miniLm.Embedder(), new ChunkingOptions { MaxTokens = 80, OverlapTokens = 8 }).Run(documents));
        Assert.Contains("chunking", other.Message);
        string twice = corpus.Write("twice.jsonl", TestCorpus.Doc("x", "One."), TestCorpus.Doc("x", "Two."));
        Assert.Contains("'x' appears more than once", Assert.Throws<SharpLM.Core.SharpLMException>(() =>
            new RagIndexer(store, miniLm.Embedder(), Chunking).Run(twice)).Message);
    }
}
