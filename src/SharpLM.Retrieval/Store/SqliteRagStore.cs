using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using SharpLM.Core;
using SharpLM.Core.Formats.Documents;
using SharpLM.Retrieval.Chunking;

namespace SharpLM.Retrieval.Store;

/// <summary>
/// The embedded retrieval store: one SQLite file holding the documents (by content hash), their chunks with exact
/// character spans, an FTS5 index over the chunk text (BM25) and a sqlite-vec vec0 table of chunk embeddings
/// (cosine distance). The layout is documented in docs/rag.md.
/// </summary>
public sealed class SqliteRagStore : IRagStore
{
    private readonly SqliteConnection _connection;
    private SqliteTransaction? _transaction;

    public string Location { get; }

    private SqliteRagStore(string path, SqliteConnection connection)
    {
        Location = path;
        _connection = connection;
    }

    /// <summary>Opens an index; with <paramref name="create"/> a missing file is created empty, else it is an error.</summary>
    public static SqliteRagStore Open(string path, bool create)
    {
        if (Directory.Exists(path)) throw new SharpLMException($"{path}: is a directory, expected a retrieval index file (.db).");
        if (!create && !File.Exists(path)) throw new SharpLMException($"{path}: retrieval index not found (build one with 'sharplm rag index').");
        if (create) Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = create ? SqliteOpenMode.ReadWriteCreate : SqliteOpenMode.ReadWrite,
            Pooling = false,
        }.ToString());
        try
        {
            connection.Open();
            SqliteVec.Load(connection);
            var store = new SqliteRagStore(path, connection);
            store.CreateSchema();
            return store;
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw new SharpLMException($"{path}: not a readable SQLite retrieval index ({e.Message}).", e);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private void CreateSchema() => Execute("""
        CREATE TABLE IF NOT EXISTS index_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS documents (
            id TEXT PRIMARY KEY, content_sha256 TEXT NOT NULL, source TEXT NOT NULL, license TEXT NOT NULL,
            line INTEGER, meta TEXT);
        CREATE TABLE IF NOT EXISTS chunks (
            id INTEGER PRIMARY KEY, document_id TEXT NOT NULL REFERENCES documents(id), chunk_index INTEGER NOT NULL,
            char_start INTEGER NOT NULL, char_end INTEGER NOT NULL, text TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS chunks_by_document ON chunks(document_id, chunk_index);
        CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(text, content='chunks', content_rowid='id');
        """);

    public string? Setting(string key) =>
        Scalar("SELECT value FROM index_info WHERE key = $key", ("$key", key)) as string;

    public void Configure(string embedder, int dimensions, string chunking)
    {
        if (Setting(IndexSettings.Embedder) is not null)
        {
            IndexSettings.RequireSame(this, embedder, dimensions, chunking);
            return;
        }
        InTransaction(() =>
        {
            Execute($"CREATE VIRTUAL TABLE chunks_vec USING vec0(embedding float[{dimensions}] distance_metric=cosine)");
            foreach (var (key, value) in IndexSettings.Record(embedder, dimensions, chunking))
                Execute("INSERT INTO index_info(key, value) VALUES ($key, $value)", ("$key", key), ("$value", value));
        });
    }

    public long ChunkCount => (long)Scalar("SELECT count(*) FROM chunks")!;

    public long DocumentCount => (long)Scalar("SELECT count(*) FROM documents")!;

    /// <summary>SQLite's total_changes() of this connection: rows of the tables, the text index and the vector table.</summary>
    public long RowsWritten => (long)Scalar("SELECT total_changes()")!;

    public Dictionary<string, string> DocumentHashes()
    {
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        using var command = Command("SELECT id, content_sha256 FROM documents");
        using var reader = command.ExecuteReader();
        while (reader.Read()) hashes[reader.GetString(0)] = reader.GetString(1);
        return hashes;
    }

    public void InTransaction(Action write)
    {
        if (_transaction is not null) { write(); return; }
        using var transaction = _connection.BeginTransaction();
        _transaction = transaction;
        try
        {
            write();
            transaction.Commit();
        }
        finally
        {
            _transaction = null;
        }
    }

    public void DeleteDocument(string documentId)
    {
        var chunks = new List<(long Id, string Text)>();
        using (var command = Command("SELECT id, text FROM chunks WHERE document_id = $id", ("$id", documentId)))
        using (var reader = command.ExecuteReader())
            while (reader.Read()) chunks.Add((reader.GetInt64(0), reader.GetString(1)));
        foreach (var (id, text) in chunks)
        {
            // An external-content FTS5 table forgets a row only when told the text it indexed.
            Execute("INSERT INTO chunks_fts(chunks_fts, rowid, text) VALUES ('delete', $id, $text)", ("$id", id), ("$text", text));
            Execute("DELETE FROM chunks_vec WHERE rowid = $id", ("$id", id));
        }
        Execute("DELETE FROM chunks WHERE document_id = $id", ("$id", documentId));
        Execute("DELETE FROM documents WHERE id = $id", ("$id", documentId));
    }

    public void AddDocument(Document document, string contentSha256, IReadOnlyList<TextChunk> chunks, IReadOnlyList<float[]> embeddings)
    {
        Execute("INSERT INTO documents(id, content_sha256, source, license, line, meta) VALUES ($id, $hash, $source, $license, $line, $meta)",
            ("$id", document.Id), ("$hash", contentSha256), ("$source", document.Source), ("$license", document.License),
            ("$line", document.Line), ("$meta", document.Meta is null ? null : JsonSerializer.Serialize(document.Meta)));
        for (int i = 0; i < chunks.Count; i++)
        {
            var chunk = chunks[i];
            long id = (long)Scalar("""
                INSERT INTO chunks(document_id, chunk_index, char_start, char_end, text) VALUES ($doc, $index, $start, $end, $text) RETURNING id
                """, ("$doc", chunk.DocumentId), ("$index", chunk.Index), ("$start", chunk.CharStart), ("$end", chunk.CharEnd), ("$text", chunk.Text))!;
            Execute("INSERT INTO chunks_fts(rowid, text) VALUES ($id, $text)", ("$id", id), ("$text", chunk.Text));
            Execute("INSERT INTO chunks_vec(rowid, embedding) VALUES ($id, $embedding)", ("$id", id), ("$embedding", VectorBytes(embeddings[i])));
        }
    }

    /// <summary>
    /// The query as an FTS5 expression: each word quoted and joined by OR, the bag-of-words query BM25 scores.
    /// </summary>
    public static string? FtsQuery(string query)
    {
        var words = QueryWords.Of(query);
        return words.Count == 0 ? null : string.Join(" OR ", words.Select(w => $"\"{w}\""));
    }

    /// <summary>The top chunks by FTS5 BM25 (k1 = 1.2, b = 0.75); FTS5's scores are negated so that higher is better.</summary>
    public List<RankedChunk> SearchLexical(string query, int k)
    {
        var ranked = new List<RankedChunk>();
        if (FtsQuery(query) is not { } expression) return ranked;
        using var command = Command("SELECT rowid, bm25(chunks_fts) FROM chunks_fts WHERE chunks_fts MATCH $q ORDER BY bm25(chunks_fts), rowid LIMIT $k",
            ("$q", expression), ("$k", k));
        using var reader = command.ExecuteReader();
        while (reader.Read()) ranked.Add(new RankedChunk(reader.GetInt64(0), -reader.GetDouble(1)));
        return ranked;
    }

    /// <summary>An exact k-nearest-neighbour scan of vec0.</summary>
    public List<RankedChunk> SearchDense(float[] queryEmbedding, int k)
    {
        var ranked = new List<RankedChunk>();
        if (!IndexSettings.CanSearchDense(this, queryEmbedding)) return ranked;
        using var command = Command("SELECT rowid, distance FROM chunks_vec WHERE embedding MATCH $q AND k = $k ORDER BY distance",
            ("$q", VectorBytes(queryEmbedding)), ("$k", k));
        using var reader = command.ExecuteReader();
        while (reader.Read()) ranked.Add(new RankedChunk(reader.GetInt64(0), 1 - reader.GetDouble(1)));
        return ranked;
    }

    public StoredChunk GetChunk(long id)
    {
        using var command = Command("""
            SELECT c.id, c.document_id, c.chunk_index, c.char_start, c.char_end, c.text, d.source
            FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id = $id
            """, ("$id", id));
        using var reader = command.ExecuteReader();
        if (!reader.Read()) throw new SharpLMException($"{Location}: no chunk with id {id}.");
        return new StoredChunk(reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetInt32(4), reader.GetString(5), reader.GetString(6));
    }

    public List<StoredChunk> AllChunks()
    {
        var chunks = new List<StoredChunk>();
        using var command = Command("""
            SELECT c.id, c.document_id, c.chunk_index, c.char_start, c.char_end, c.text, d.source
            FROM chunks c JOIN documents d ON d.id = c.document_id ORDER BY c.document_id, c.chunk_index
            """);
        using var reader = command.ExecuteReader();
        while (reader.Read())
            chunks.Add(new StoredChunk(reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetInt32(4), reader.GetString(5), reader.GetString(6)));
        return chunks;
    }

    private static byte[] VectorBytes(float[] vector) => MemoryMarshal.AsBytes(vector.AsSpan()).ToArray();

    private SqliteCommand Command(string sql, params (string Name, object? Value)[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = _transaction;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    private void Execute(string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(sql, parameters);
        command.ExecuteNonQuery();
    }

    private object? Scalar(string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(sql, parameters);
        return command.ExecuteScalar();
    }

    public void Dispose() => _connection.Dispose();
}
