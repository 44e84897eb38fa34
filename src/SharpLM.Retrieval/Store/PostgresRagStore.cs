using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using Npgsql;
using Pgvector;
using SharpLM.Core;
using SharpLM.Core.Formats.Documents;
using SharpLM.Retrieval.Chunking;

namespace SharpLM.Retrieval.Store;

/// <summary>
/// The retrieval store at scale: one schema of a PostgreSQL database with the pgvector extension, holding the same
/// documents, chunks and settings as the SQLite file, a generated tsvector column with a GIN index (ranked with
/// ts_rank_cd, which is not BM25: see docs/rag.md) and a vector(N) column with an HNSW cosine index. The store holds
/// one connection for its lifetime, as the SQLite one does.
/// </summary>
public sealed class PostgresRagStore : IRagStore
{
    /// <summary>pgvector's largest HNSW-indexable vector width; wider embeddings are searched by an exact scan.</summary>
    public const int MaxIndexedDimensions = 2000;

    /// <summary>The text search configuration of the tsvector column and of queries: English stemming and stop words.</summary>
    public const string TextSearchConfiguration = "english";

    private readonly NpgsqlDataSource _source;
    private readonly NpgsqlConnection _connection;
    private readonly string _schema;
    private NpgsqlTransaction? _transaction;
    private long _rowsWritten;
    private int _efSearch;

    public string Location { get; }

    private PostgresRagStore(PostgresTarget target, NpgsqlDataSource source, NpgsqlConnection connection)
    {
        Location = target.Description;
        _schema = $"\"{target.Schema}\"";
        _source = source;
        _connection = connection;
    }

    /// <summary>Opens an index; with <paramref name="create"/> a missing schema is created empty, else it is an error.</summary>
    public static PostgresRagStore Open(PostgresTarget target, bool create)
    {
        var builder = new NpgsqlDataSourceBuilder(target.ConnectionString);
        builder.UseVector();
        var source = builder.Build();
        NpgsqlConnection? connection = null;
        try
        {
            connection = source.OpenConnection();
            var store = new PostgresRagStore(target, source, connection);
            store.RequireVectorExtension(create);
            if (create) store.CreateSchema();
            else if (store.Scalar($"SELECT to_regclass('{target.Schema}.index_info')::text") is not string)
                throw new SharpLMException($"{target.Description}: no retrieval index in this schema (build one with 'sharplm rag index').");
            return store;
        }
        catch (NpgsqlException e)
        {
            connection?.Dispose();
            source.Dispose();
            throw Explain(target.Description, e);
        }
        catch
        {
            connection?.Dispose();
            source.Dispose();
            throw;
        }
    }

    /// <summary>A driver or server error as one line naming the server: unreachable, login refused, or the server's message.</summary>
    private static SharpLMException Explain(string location, NpgsqlException e) => e switch
    {
        PostgresException { SqlState: "28P01" or "28000" } p => new($"{location}: the PostgreSQL server refused the login ({p.MessageText}).", e),
        PostgresException { SqlState: "3D000" } p => new($"{location}: {p.MessageText}; create the database first.", e),
        PostgresException p => new($"{location}: PostgreSQL error {p.SqlState}: {p.MessageText}.", e),
        _ when e.InnerException is SocketException or TimeoutException || e.Message.StartsWith("Failed to connect", StringComparison.Ordinal) =>
            new($"{location}: cannot reach the PostgreSQL server ({e.InnerException?.Message ?? e.Message}).", e),
        _ => new($"{location}: PostgreSQL connection failed ({e.Message}).", e),
    };

    /// <summary>
    /// Creates the vector extension in the database when it is missing (an index needs its type), and explains why that
    /// failed: pgvector not installed on the server, or a user without the right to create extensions.
    /// </summary>
    private void RequireVectorExtension(bool create)
    {
        if (Scalar("SELECT extversion FROM pg_extension WHERE extname = 'vector'") is string) return;
        if (!create)
            throw new SharpLMException($"{Location}: no retrieval index here (the database has no vector extension; build one with 'sharplm rag index').");
        try
        {
            using var command = new NpgsqlCommand("CREATE EXTENSION IF NOT EXISTS vector", _connection);
            command.ExecuteNonQuery();
        }
        catch (PostgresException e) when (e.SqlState is "0A000" or "58P01")
        {
            throw new SharpLMException($"{Location}: the PostgreSQL server has no pgvector extension ({e.MessageText}); install pgvector on the server "
                + "(the postgresql-NN-pgvector package of the PostgreSQL apt repository, or the pgvector/pgvector Docker image) and run again.", e);
        }
        catch (PostgresException e) when (e.SqlState == "42501")
        {
            throw new SharpLMException($"{Location}: the vector extension is not enabled in this database and this user may not enable it; "
                + "run 'CREATE EXTENSION vector;' in it as its owner or a superuser.", e);
        }
        _connection.ReloadTypes(); // the vector type did not exist when the connection loaded its types
    }

    private void CreateSchema() => Execute($"""
        CREATE SCHEMA IF NOT EXISTS {_schema};
        CREATE TABLE IF NOT EXISTS {_schema}.index_info (key text PRIMARY KEY, value text NOT NULL);
        CREATE TABLE IF NOT EXISTS {_schema}.documents (
            id text PRIMARY KEY, content_sha256 text NOT NULL, source text NOT NULL, license text NOT NULL,
            line bigint, meta jsonb);
        CREATE TABLE IF NOT EXISTS {_schema}.chunks (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            document_id text NOT NULL REFERENCES {_schema}.documents(id) ON DELETE CASCADE, chunk_index integer NOT NULL,
            char_start integer NOT NULL, char_end integer NOT NULL, text text NOT NULL,
            text_search tsvector GENERATED ALWAYS AS (to_tsvector('{TextSearchConfiguration}', text)) STORED);
        CREATE INDEX IF NOT EXISTS chunks_by_document ON {_schema}.chunks (document_id, chunk_index);
        CREATE INDEX IF NOT EXISTS chunks_text_search ON {_schema}.chunks USING gin (text_search);
        """);

    public string? Setting(string key) => Scalar($"SELECT value FROM {_schema}.index_info WHERE key = $1", key) as string;

    public void Configure(string embedder, int dimensions, string chunking)
    {
        if (Setting(IndexSettings.Embedder) is not null)
        {
            IndexSettings.RequireSame(this, embedder, dimensions, chunking);
            return;
        }
        InTransaction(() =>
        {
            // The column is added here rather than with the table because its width is the embedder's.
            Execute($"ALTER TABLE {_schema}.chunks ADD COLUMN embedding vector({dimensions}) NOT NULL");
            if (dimensions <= MaxIndexedDimensions)
                Execute($"CREATE INDEX chunks_embedding ON {_schema}.chunks USING hnsw (embedding vector_cosine_ops)");
            foreach (var (key, value) in IndexSettings.Record(embedder, dimensions, chunking))
                Execute($"INSERT INTO {_schema}.index_info(key, value) VALUES ($1, $2)", key, value);
        });
    }

    public long ChunkCount => (long)Scalar($"SELECT count(*) FROM {_schema}.chunks")!;

    public long DocumentCount => (long)Scalar($"SELECT count(*) FROM {_schema}.documents")!;

    /// <summary>The rows the server reported for this store's inserts and deletes (index entries are not rows here).</summary>
    public long RowsWritten => _rowsWritten;

    public Dictionary<string, string> DocumentHashes()
    {
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        Read($"SELECT id, content_sha256 FROM {_schema}.documents", reader => hashes[reader.GetString(0)] = reader.GetString(1));
        return hashes;
    }

    public void InTransaction(Action write)
    {
        if (_transaction is not null) { write(); return; }
        long rowsBefore = _rowsWritten;
        using var transaction = Guard(() => _connection.BeginTransaction());
        _transaction = transaction;
        try
        {
            write();
            Guard(() => { transaction.Commit(); return 0; });
        }
        catch
        {
            _rowsWritten = rowsBefore;
            throw;
        }
        finally
        {
            _transaction = null;
        }
    }

    public void DeleteDocument(string documentId)
    {
        Execute($"DELETE FROM {_schema}.chunks WHERE document_id = $1", documentId);
        Execute($"DELETE FROM {_schema}.documents WHERE id = $1", documentId);
    }

    public void AddDocument(Document document, string contentSha256, IReadOnlyList<TextChunk> chunks, IReadOnlyList<float[]> embeddings)
    {
        Execute($"INSERT INTO {_schema}.documents(id, content_sha256, source, license, line, meta) VALUES ($1, $2, $3, $4, $5, $6::jsonb)",
            document.Id, contentSha256, document.Source, document.License, document.Line,
            document.Meta is null ? null : JsonSerializer.Serialize(document.Meta));
        if (chunks.Count == 0) return;
        // One round trip for all the chunks of a document.
        using var batch = new NpgsqlBatch(_connection);
        for (int i = 0; i < chunks.Count; i++)
        {
            var chunk = chunks[i];
            var command = new NpgsqlBatchCommand($"""
                INSERT INTO {_schema}.chunks(document_id, chunk_index, char_start, char_end, text, embedding) VALUES ($1, $2, $3, $4, $5, $6)
                """);
            foreach (object value in new object[] { chunk.DocumentId, chunk.Index, chunk.CharStart, chunk.CharEnd, chunk.Text, new Vector(embeddings[i]) })
                command.Parameters.Add(new NpgsqlParameter { Value = value });
            batch.BatchCommands.Add(command);
        }
        _rowsWritten += Guard(() => batch.ExecuteNonQuery());
    }

    /// <summary>
    /// ts_rank_cd (cover density, no normalization) of the chunks matching any query word after English stemming;
    /// ties are broken by chunk id.
    /// </summary>
    public List<RankedChunk> SearchLexical(string query, int k)
    {
        var ranked = new List<RankedChunk>();
        var words = QueryWords.Of(query);
        if (words.Count == 0) return ranked;
        Read($"""
            SELECT c.id, ts_rank_cd(c.text_search, q) AS score FROM {_schema}.chunks c, to_tsquery('{TextSearchConfiguration}', $1) q
            WHERE c.text_search @@ q ORDER BY score DESC, c.id LIMIT $2
            """, reader => ranked.Add(new RankedChunk(reader.GetInt64(0), reader.GetFloat(1))), string.Join(" | ", words), k);
        return ranked;
    }

    /// <summary>
    /// The HNSW index's approximate nearest neighbours, with a candidate list (hnsw.ef_search) of at least 100 and at
    /// least k, up to pgvector's limit of 1000, so that small indexes are searched exhaustively.
    /// </summary>
    public List<RankedChunk> SearchDense(float[] queryEmbedding, int k)
    {
        var ranked = new List<RankedChunk>();
        if (!IndexSettings.CanSearchDense(this, queryEmbedding)) return ranked;
        int efSearch = Math.Clamp(Math.Max(k, 100), 1, 1000);
        if (efSearch != _efSearch)
        {
            Scalar("SELECT set_config('hnsw.ef_search', $1, false)", efSearch.ToString(CultureInfo.InvariantCulture));
            _efSearch = efSearch;
        }
        Read($"SELECT id, 1 - (embedding <=> $1) FROM {_schema}.chunks ORDER BY embedding <=> $1 LIMIT $2",
            reader => ranked.Add(new RankedChunk(reader.GetInt64(0), reader.GetDouble(1))), new Vector(queryEmbedding), k);
        return ranked;
    }

    public StoredChunk GetChunk(long id)
    {
        StoredChunk? found = null;
        Read($"""
            SELECT c.id, c.document_id, c.chunk_index, c.char_start, c.char_end, c.text, d.source
            FROM {_schema}.chunks c JOIN {_schema}.documents d ON d.id = c.document_id WHERE c.id = $1
            """, reader => found = ReadChunk(reader), id);
        return found ?? throw new SharpLMException($"{Location}: no chunk with id {id}.");
    }

    public List<StoredChunk> AllChunks()
    {
        var chunks = new List<StoredChunk>();
        Read($"""
            SELECT c.id, c.document_id, c.chunk_index, c.char_start, c.char_end, c.text, d.source
            FROM {_schema}.chunks c JOIN {_schema}.documents d ON d.id = c.document_id ORDER BY c.document_id COLLATE "C", c.chunk_index
            """, reader => chunks.Add(ReadChunk(reader)));
        return chunks;
    }

    /// <summary>The stored embedding of every chunk, by chunk id (for checking the dense ranking against an exact one).</summary>
    public Dictionary<long, float[]> Embeddings()
    {
        var embeddings = new Dictionary<long, float[]>();
        Read($"SELECT id, embedding FROM {_schema}.chunks", reader => embeddings[reader.GetInt64(0)] = reader.GetFieldValue<Vector>(1).ToArray());
        return embeddings;
    }

    private static StoredChunk ReadChunk(NpgsqlDataReader reader) =>
        new(reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetInt32(4), reader.GetString(5), reader.GetString(6));

    private NpgsqlCommand Command(string sql, object?[] parameters)
    {
        var command = new NpgsqlCommand(sql, _connection, _transaction);
        foreach (object? value in parameters) command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        return command;
    }

    private void Execute(string sql, params object?[] parameters)
    {
        using var command = Command(sql, parameters);
        int rows = Guard(() => command.ExecuteNonQuery());
        if (rows > 0) _rowsWritten += rows;
    }

    private object? Scalar(string sql, params object?[] parameters)
    {
        using var command = Command(sql, parameters);
        object? value = Guard(() => command.ExecuteScalar());
        return value is DBNull ? null : value;
    }

    private void Read(string sql, Action<NpgsqlDataReader> row, params object?[] parameters)
    {
        using var command = Command(sql, parameters);
        Guard(() =>
        {
            using var reader = command.ExecuteReader();
            while (reader.Read()) row(reader);
            return 0;
        });
    }

    /// <summary>Runs a database call, turning a driver or server failure into a one-line error that names the index.</summary>
    private T Guard<T>(Func<T> call)
    {
        try
        {
            return call();
        }
        catch (NpgsqlException e)
        {
            throw Explain(Location, e);
        }
    }

    public void Dispose()
    {
        _connection.Dispose();
        _source.Dispose();
    }
}
