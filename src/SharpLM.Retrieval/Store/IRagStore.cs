using SharpLM.Core.Formats.Documents;
using SharpLM.Retrieval.Chunking;

namespace SharpLM.Retrieval.Store;

/// <summary>
/// What the indexer, the retriever, the evaluation, the CLI and the server need of a retrieval index: documents by
/// content hash, their chunks with exact character spans, the settings the index was built with, and lexical and dense
/// rankings of chunk ids. <see cref="SqliteRagStore"/> (one file) and <see cref="PostgresRagStore"/> (a schema of a
/// PostgreSQL database with pgvector) implement it; <see cref="RagStores.Open"/> picks one from the --db text.
/// </summary>
public interface IRagStore : IDisposable
{
    /// <summary>Where the index lives, as error messages name it (a file path, or the server and schema without password).</summary>
    string Location { get; }

    /// <summary>A setting recorded when the index was first built (embedder, dimensions, chunking); null when unset.</summary>
    string? Setting(string key);

    /// <summary>
    /// Records the embedder and chunking of a new index (and creates its vector storage), or checks that an existing
    /// index was built with the same ones: mixing embeddings of two models in one index would rank nonsense.
    /// </summary>
    void Configure(string embedder, int dimensions, string chunking);

    long ChunkCount { get; }

    long DocumentCount { get; }

    /// <summary>Rows inserted, updated or deleted through this store object so far.</summary>
    long RowsWritten { get; }

    /// <summary>The content hash of every indexed document, by id.</summary>
    Dictionary<string, string> DocumentHashes();

    /// <summary>Runs the writes of <paramref name="write"/> as one transaction: all of them land, or none.</summary>
    void InTransaction(Action write);

    /// <summary>Removes a document with its chunks, their text index entries and their vectors.</summary>
    void DeleteDocument(string documentId);

    void AddDocument(Document document, string contentSha256, IReadOnlyList<TextChunk> chunks, IReadOnlyList<float[]> embeddings);

    /// <summary>
    /// The top chunks by the store's full-text ranking (higher is better): BM25 in SQLite, ts_rank_cd in PostgreSQL.
    /// Any query word may match; a query without words matches nothing.
    /// </summary>
    List<RankedChunk> SearchLexical(string query, int k);

    /// <summary>The nearest chunks to a query embedding by cosine distance; scores are cosine similarities.</summary>
    List<RankedChunk> SearchDense(float[] queryEmbedding, int k);

    StoredChunk GetChunk(long id);

    /// <summary>Every chunk of the index in document and chunk order (for evaluation sets).</summary>
    List<StoredChunk> AllChunks();
}
