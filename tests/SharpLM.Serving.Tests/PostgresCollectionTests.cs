using SharpLM.Core.Formats.Documents;
using SharpLM.Retrieval.Chunking;
using SharpLM.Retrieval.Embeddings;
using SharpLM.Retrieval.Indexing;
using SharpLM.Retrieval.Search;
using SharpLM.Retrieval.Store;
using SharpLM.Retrieval.Tests;
using SharpLM.Serving.Retrieval;

namespace SharpLM.Serving.Tests;

/// <summary>`serve --rag NAME=postgres://…`: a collection in PostgreSQL answers as the same collection in SQLite does.</summary>
public sealed class PostgresCollectionTests(PostgresServer server) : IClassFixture<PostgresServer>
{
    private static readonly Document[] Documents =
    [
        new() { Id = "navy", Text = "The navy launched four iron frigates. The yards are busy.", Source = "test:navy", License = "CC0-1.0" },
        new() { Id = "tariff", Text = "The tariff on iron was lowered. Revenue paid the debt.", Source = "test:tariff", License = "CC0-1.0" },
        new() { Id = "army", Text = "The army guarded the frontier all summer.", Source = "test:army", License = "CC0-1.0" },
    ];

    [PostgresFact]
    public void A_postgres_collection_retrieves_what_the_sqlite_one_does()
    {
        string model = ServerFixture.CreateModel();
        string root = Directory.CreateTempSubdirectory("sharplm-serve-pg-").FullName;
        try
        {
            string documents = Path.Combine(root, "docs.jsonl"), sqlite = Path.Combine(root, "rag.db"), postgres = server.Db();
            DocumentJsonl.Write(documents, Documents);
            using (var generator = ModelEmbeddingGenerator.Load(model))
                foreach (string db in new[] { sqlite, postgres })
                {
                    using var store = RagStores.Open(db, create: true);
                    new RagIndexer(store, new BatchEmbedder(generator, 4, 1), new ChunkingOptions { MaxTokens = 8, OverlapTokens = 0 }).Run(documents);
                }
            using var collections = ServedCollections.Open([new RagCollectionSource("lite", sqlite), new RagCollectionSource("pg", postgres)]);
            var bm25 = collections.Retrieve("pg", "frigates of the navy", RetrievalMethod.Bm25, 2);
            Assert.Equal("navy", bm25[0].Chunk.Chunk.DocumentId);
            Assert.Equal(1, bm25[0].Chunk.Number);
            // Dense search over a handful of chunks is exhaustive in both stores, so the chunks come in the same order.
            static List<(string, int, int)> Spans(List<(SharpLM.Retrieval.Answering.NumberedChunk Chunk, double Score)> ranked) =>
                ranked.Select(r => (r.Chunk.Chunk.DocumentId, r.Chunk.Chunk.CharStart, r.Chunk.Chunk.CharEnd)).ToList();
            Assert.Equal(Spans(collections.Retrieve("lite", "iron ships", RetrievalMethod.Dense, 4)), Spans(collections.Retrieve("pg", "iron ships", RetrievalMethod.Dense, 4)));
            Assert.Equal(4, collections.Retrieve("pg", "iron ships", RetrievalMethod.Hybrid, 4).Count);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
            Directory.Delete(model, recursive: true);
        }
    }
}
