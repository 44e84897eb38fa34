using SharpLM.Core;
using SharpLM.Core.Formats.Documents;
using SharpLM.Retrieval.Chunking;
using SharpLM.Retrieval.Evaluation;
using SharpLM.Retrieval.Indexing;
using SharpLM.Retrieval.Search;
using SharpLM.Retrieval.Store;

namespace SharpLM.Retrieval.Tests;

/// <summary>The PostgreSQL store against a real server (PGlite unless SHARPLM_TEST_POSTGRES names one), checked against the SQLite store and against exact computations.</summary>
public class PostgresStoreTests(PostgresServer server, MiniLmFixture miniLm) : IClassFixture<PostgresServer>, IClassFixture<MiniLmFixture>
{
    private static readonly ChunkingOptions Chunking = new() { MaxTokens = 40, OverlapTokens = 8 };

    private IndexReport Index(string db, string documents)
    {
        using var store = RagStores.Open(db, create: true);
        return new RagIndexer(store, miniLm.Embedder(), Chunking) { GroupChunks = 3 }.Run(documents);
    }

    /// <summary>Documents long enough to make several chunks each, so that spans and overlaps are exercised.</summary>
    private static Document[] LongDocuments()
    {
        var speeches = TestCorpus.Speeches();
        return speeches.Select((d, i) => d with { Text = string.Join("\n\n", Enumerable.Range(0, 2 + i % 3).Select(p => d.Text)) + $" Closing remark {i}." })
            .Append(TestCorpus.Doc("empty-ish", "   ")).ToArray();
    }

    [PostgresFact]
    public void Postgres_holds_the_same_documents_chunks_spans_and_hashes_as_sqlite()
    {
        using var corpus = new TestCorpus();
        var documents = LongDocuments();
        string path = corpus.Write("docs.jsonl", documents), db = server.Db();
        var sqliteReport = Index(corpus.Db, path);
        var postgresReport = Index(db, path);
        Assert.Equal((sqliteReport.Added, sqliteReport.ChunksWritten, sqliteReport.ChunksInIndex),
            (postgresReport.Added, postgresReport.ChunksWritten, postgresReport.ChunksInIndex));

        using var sqlite = RagStores.Open(corpus.Db, create: false);
        using var postgres = RagStores.Open(db, create: false);
        Assert.IsType<SqliteRagStore>(sqlite);
        Assert.IsType<PostgresRagStore>(postgres);
        Assert.Equal(sqlite.DocumentHashes().OrderBy(p => p.Key, StringComparer.Ordinal), postgres.DocumentHashes().OrderBy(p => p.Key, StringComparer.Ordinal));
        Assert.Equal(IndexerHash(documents), postgres.DocumentHashes().OrderBy(p => p.Key, StringComparer.Ordinal));
        foreach (string key in new[] { "embedder", "dimensions", "chunking" }) Assert.Equal(sqlite.Setting(key), postgres.Setting(key));
        Assert.Equal(sqlite.DocumentCount, postgres.DocumentCount);

        var expected = sqlite.AllChunks().Select(c => c with { Id = 0 }).ToList();
        var actual = postgres.AllChunks();
        Assert.True(actual.Count > documents.Length, "the documents should make several chunks each");
        Assert.Equal(expected, actual.Select(c => c with { Id = 0 }));
        foreach (var chunk in actual)
        {
            Assert.Equal(documents.Single(d => d.Id == chunk.DocumentId).Text[chunk.CharStart..chunk.CharEnd], chunk.Text);
            Assert.Equal(chunk, postgres.GetChunk(chunk.Id));
        }
    }

    /// <summary>SHA-256 of each document's UTF-8 text, computed here rather than by the indexer.</summary>
    private static IEnumerable<KeyValuePair<string, string>> IndexerHash(Document[] documents) =>
        documents.OrderBy(d => d.Id, StringComparer.Ordinal)
            .Select(d => KeyValuePair.Create(d.Id, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(d.Text)))));

    [PostgresFact]
    public void Changed_new_and_deleted_documents_are_brought_up_to_date_in_postgres()
    {
        using var corpus = new TestCorpus();
        var speeches = TestCorpus.Speeches();
        string db = server.Db();
        Index(db, corpus.Write("v1.jsonl", speeches));
        var again = Index(db, corpus.Write("v1.jsonl", speeches));
        Assert.Equal((0, 0, 8, 0, 0, 0L), (again.Added, again.Changed, again.Unchanged, again.Removed, again.ChunksWritten, again.RowsWritten));
        Dictionary<string, List<long>> idsBefore;
        using (var store = RagStores.Open(db, create: false))
            idsBefore = store.AllChunks().GroupBy(c => c.DocumentId).ToDictionary(g => g.Key, g => g.Select(c => c.Id).ToList());

        var v2 = speeches.Where(d => d.Id != "g")
            .Select(d => d.Id == "c" ? TestCorpus.Doc("c", "The navy needs ironclad ships to guard the harbors.") : d)
            .Append(TestCorpus.Doc("i", "Telegraph wires now join the capital to every state."))
            .ToArray();
        var report = Index(db, corpus.Write("v2.jsonl", v2));
        Assert.Equal((1, 1, 6, 1), (report.Added, report.Changed, report.Unchanged, report.Removed));

        using var after = RagStores.Open(db, create: false);
        var chunks = after.AllChunks();
        Assert.Equal(8, after.DocumentCount);
        Assert.DoesNotContain(chunks, c => c.DocumentId == "g");
        Assert.Equal("The navy needs ironclad ships to guard the harbors.", chunks.Single(c => c.DocumentId == "c").Text);
        foreach (string id in new[] { "a", "b", "d", "e", "f", "h" })
            Assert.Equal(idsBefore[id], chunks.Where(c => c.DocumentId == id).Select(c => c.Id));
        Assert.Empty(after.SearchLexical("slavery", 5));
        Assert.Empty(after.SearchLexical("frigates", 5));
        Assert.Equal("i", after.GetChunk(after.SearchLexical("telegraph", 1)[0].ChunkId).DocumentId);
        var dense = new Retriever(after, miniLm.Embedder()).Search("electric communication lines to the states", RetrievalMethod.Dense, 20);
        Assert.Equal(chunks.Count, dense.Count);
        Assert.Equal("i", after.GetChunk(dense[0].ChunkId).DocumentId);
    }

    [PostgresFact]
    public void Dense_top_k_equals_an_exact_cosine_ranking_over_the_stored_embeddings()
    {
        using var corpus = new TestCorpus();
        string db = server.Db();
        Index(db, corpus.Write("docs.jsonl", LongDocuments()));
        using var store = (PostgresRagStore)RagStores.Open(db, create: false);
        var embeddings = store.Embeddings();
        Assert.Equal(store.ChunkCount, embeddings.Count);
        foreach (string query in new[] { "trains crossing america", "paying back what the country owes", "ships at sea" })
        {
            float[] q = miniLm.Embedder().Embed(query);
            var exact = embeddings.Select(e => (Id: e.Key, Score: Cosine(q, e.Value))).OrderByDescending(e => e.Score).Take(7).ToList();
            var ranked = store.SearchDense(q, 7);
            Assert.Equal(exact.Select(e => e.Id), ranked.Select(r => r.ChunkId));
            for (int i = 0; i < ranked.Count; i++) Assert.Equal(exact[i].Score, ranked[i].Score, 1e-5);
        }
    }

    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++) { dot += (double)a[i] * b[i]; na += (double)a[i] * a[i]; nb += (double)b[i] * b[i]; }
        return dot / Math.Sqrt(na * nb);
    }

    [PostgresFact]
    public void Lexical_search_ranks_the_document_with_a_rare_term_first()
    {
        using var corpus = new TestCorpus();
        string db = server.Db();
        var documents = TestCorpus.Speeches().Append(TestCorpus.Doc("z", "A zeppelin carried the mail over the mountains.")).ToArray();
        Index(db, corpus.Write("docs.jsonl", documents));
        using var store = RagStores.Open(db, create: false);
        var ranked = store.SearchLexical("zeppelin mail", 10);
        // Three documents mention mail; only z also has the rare word.
        Assert.Equal(3, ranked.Count);
        Assert.Equal("z", store.GetChunk(ranked[0].ChunkId).DocumentId);
        Assert.All(ranked, r => Assert.True(r.Score > 0));
        Assert.True(ranked[0].Score > ranked[1].Score);
        Assert.Empty(store.SearchLexical("?! ...", 5));
        Assert.Empty(store.SearchLexical("the", 5)); // an English stop word
        // English stemming: the singular finds the plural, which SQLite's unicode61 tokenizer does not.
        Assert.Equal("c", store.GetChunk(Assert.Single(store.SearchLexical("frigate", 5)).ChunkId).DocumentId);
    }

    [PostgresFact]
    public void Hybrid_fuses_the_two_rankings_and_evaluation_matches_sqlite_for_dense()
    {
        using var corpus = new TestCorpus();
        var documents = TestCorpus.Speeches();
        string path = corpus.Write("docs.jsonl", documents), db = server.Db();
        Index(db, path);
        Index(corpus.Db, path);
        using var store = RagStores.Open(db, create: false);
        var retriever = new Retriever(store, miniLm.Embedder());
        Assert.Equal("f", store.GetChunk(retriever.Search("trains crossing america", RetrievalMethod.Hybrid, 3)[0].ChunkId).DocumentId);
        string query = "public debt and the navy";
        var fused = ReciprocalRankFusion.Fuse([store.SearchLexical(query, 50), store.SearchDense(miniLm.Embedder().Embed(query), 50)]);
        Assert.Equal(fused.Take(4).Select(f => f.ChunkId), retriever.Search(query, RetrievalMethod.Hybrid, 4).Select(r => r.ChunkId));

        // The same embeddings searched exactly: dense retrieval scores the same in both stores.
        var questions = QuestionSet.Generate(documents, Chunking, 6, seed: 2);
        using var sqlite = RagStores.Open(corpus.Db, create: false);
        var postgresScores = RetrievalEvaluation.Run(retriever, questions, 3, RetrievalMethods.All);
        var sqliteScores = RetrievalEvaluation.Run(new Retriever(sqlite, miniLm.Embedder()), questions, 3, [RetrievalMethod.Dense]);
        var dense = postgresScores.Single(s => s.Method == "dense");
        Assert.Equal((sqliteScores[0].PrecisionAtK, sqliteScores[0].RecallAtK, sqliteScores[0].Mrr), (dense.PrecisionAtK, dense.RecallAtK, dense.Mrr));
        Assert.Equal(sqliteScores[0].NdcgAt10, dense.NdcgAt10, 1e-9);
        Assert.All(postgresScores, s => Assert.InRange(s.Mrr, 0.0, 1.0));
    }

    [PostgresFact]
    public void Postgres_mistakes_are_one_line_errors()
    {
        string db = server.Db();
        var missing = Assert.Throws<SharpLMException>(() => RagStores.Open(db, create: false));
        Assert.Contains("no retrieval index", missing.Message);
        Assert.Contains("(schema t_", missing.Message);
        using var store = RagStores.Open(db, create: true);
        store.Configure("some-embedder", 4, "max_tokens=40");
        var wider = Assert.Throws<SharpLMException>(() => store.Configure("some-embedder", 8, "max_tokens=40"));
        Assert.Contains("holds 4-dimensional vectors", wider.Message);
        var query = Assert.Throws<SharpLMException>(() => store.SearchDense(new float[3], 2));
        Assert.Contains("3 dimensions, the index 4", query.Message);
        Assert.DoesNotContain('\n', wider.Message + missing.Message + query.Message);
    }

    [PgliteFact]
    public void A_server_without_pgvector_is_told_how_to_install_it()
    {
        using var bare = PostgresServer.PgliteWithoutVector();
        var error = Assert.Throws<SharpLMException>(() => RagStores.Open(bare.Db(), create: true));
        Assert.Contains("has no pgvector extension", error.Message);
        Assert.Contains("install pgvector on the server", error.Message);
        Assert.Contains("no retrieval index here", Assert.Throws<SharpLMException>(() => RagStores.Open(bare.Db(), create: false)).Message);
    }
}
