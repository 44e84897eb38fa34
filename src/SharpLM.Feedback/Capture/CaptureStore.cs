using System.Globalization;
using Microsoft.Data.Sqlite;
using SharpLM.Core;
using SharpLM.Data.Pii;

namespace SharpLM.Feedback.Capture;

/// <summary>
/// The capture database: served exchanges and human feedback in SQLite (WAL, so readers such as `sharplm capture
/// stats` never block the server). Every text goes through the data stage's <see cref="PiiScrubber"/> before it is
/// written, so e-mail addresses, phone numbers, keys and secrets, card numbers, IBANs and public IP addresses never
/// reach the file. One connection serves all callers in turn (writes are a few rows each).
/// </summary>
public sealed class CaptureStore : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly PiiScrubber _scrubber = new();
    private readonly TimeProvider _clock;
    private readonly Lock _gate = new();

    public string Path { get; }

    private CaptureStore(string path, SqliteConnection connection, TimeProvider clock)
    {
        Path = path;
        _connection = connection;
        _clock = clock;
    }

    /// <summary>Opens a capture database; with <paramref name="create"/> a missing file is created with the schema.</summary>
    public static CaptureStore Open(string path, bool create, TimeProvider? clock = null)
    {
        if (Directory.Exists(path)) throw new SharpLMException($"{path}: is a directory, expected a capture database file.");
        if (!create && !File.Exists(path)) throw new SharpLMException($"{path}: capture database not found (a server started with --capture {path} creates it).");
        if (create) Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = create ? SqliteOpenMode.ReadWriteCreate : SqliteOpenMode.ReadWrite,
            Pooling = false,
        }.ToString());
        var store = new CaptureStore(path, connection, clock ?? TimeProvider.System);
        try
        {
            connection.Open();
            store.Execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;");
            store.Migrate();
            return store;
        }
        catch (SqliteException e)
        {
            store.Dispose();
            throw new SharpLMException($"{path}: not a readable SQLite capture database ({e.Message}).", e);
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    private void Migrate()
    {
        using var transaction = _connection.BeginTransaction();
        Execute(CaptureSchema.Create, transaction);
        long? version = Scalar("SELECT MAX(version) FROM schema_version", transaction);
        if (version is null)
            Execute("INSERT INTO schema_version (version, created_at) VALUES ($v, $t)", transaction, ("$v", CaptureSchema.Version), ("$t", Now()));
        else if (version > CaptureSchema.Version)
            throw new SharpLMException($"{Path}: capture schema version {version} is newer than this sharplm reads ({CaptureSchema.Version}).");
        transaction.Commit();
    }

    /// <summary>Stores a served exchange: its conversation (created on first sight), the request messages and one assistant message per choice.</summary>
    public void RecordExchange(CapturedExchange exchange, CaptureIdentity identity)
    {
        lock (_gate)
        {
            using var transaction = _connection.BeginTransaction();
            string now = Now();
            EnsureConversation(exchange.ConversationId, identity, now, transaction);
            const string Insert = """
                INSERT INTO messages (id, conversation_id, exchange_id, position, role, content, endpoint, model, finish_reason, prompt_tokens, completion_tokens, created_at)
                VALUES ($id, $conversation, $exchange, $position, $role, $content, $endpoint, $model, $finish, $prompt, $completion, $created)
                """;
            string model = Scrub(exchange.ModelId);
            for (int i = 0; i < exchange.Request.Count; i++)
                Execute(Insert, transaction, ("$id", $"{exchange.Id}:{i}"), ("$conversation", exchange.ConversationId), ("$exchange", exchange.Id),
                    ("$position", i), ("$role", exchange.Request[i].Role), ("$content", Scrub(exchange.Request[i].Content)), ("$endpoint", exchange.Endpoint),
                    ("$model", model), ("$finish", null), ("$prompt", null), ("$completion", null), ("$created", now));
            for (int c = 0; c < exchange.Choices.Count; c++)
                Execute(Insert, transaction, ("$id", CapturedExchange.ChoiceMessageId(exchange.Id, c)), ("$conversation", exchange.ConversationId),
                    ("$exchange", exchange.Id), ("$position", exchange.Request.Count), ("$role", "assistant"), ("$content", Scrub(exchange.Choices[c].Text)),
                    ("$endpoint", exchange.Endpoint), ("$model", model), ("$finish", exchange.Choices[c].FinishReason),
                    ("$prompt", exchange.PromptTokens), ("$completion", exchange.CompletionTokens), ("$created", now));
            transaction.Commit();
        }
    }

    /// <summary>Stores a judgement and returns its id ("fb_" and 32 hex digits).</summary>
    public string RecordFeedback(FeedbackEntry entry, CaptureIdentity identity)
    {
        string id = "fb_" + Guid.NewGuid().ToString("N");
        lock (_gate)
        {
            using var transaction = _connection.BeginTransaction();
            string now = Now();
            EnsureConversation(entry.ConversationId, identity, now, transaction);
            var prompt = entry.Prompt.Select(m => m with { Content = Scrub(m.Content) }).ToList();
            var rating = entry as RatingFeedback;
            var pairwise = entry as PairwiseFeedback;
            Execute("""
                INSERT INTO feedback (id, conversation_id, kind, prompt, message_id, model, response, rating, correction,
                                      a_model, a_response, b_model, b_response, preferred, user_hash, key_fingerprint, created_at)
                VALUES ($id, $conversation, $kind, $prompt, $message, $model, $response, $rating, $correction,
                        $a_model, $a_response, $b_model, $b_response, $preferred, $user, $key, $created)
                """, transaction,
                ("$id", id), ("$conversation", entry.ConversationId), ("$kind", entry.Kind), ("$prompt", PromptJson.Write(prompt)),
                ("$message", rating?.MessageId), ("$model", ScrubOrNull(rating?.Model)), ("$response", ScrubOrNull(rating?.Response)),
                ("$rating", rating?.Rating), ("$correction", ScrubOrNull(rating?.Correction)),
                ("$a_model", ScrubOrNull(pairwise?.A.Model)), ("$a_response", ScrubOrNull(pairwise?.A.Response)),
                ("$b_model", ScrubOrNull(pairwise?.B.Model)), ("$b_response", ScrubOrNull(pairwise?.B.Response)), ("$preferred", pairwise?.Preferred),
                ("$user", CaptureIdentity.HashUser(identity.UserId)), ("$key", identity.KeyFingerprint), ("$created", now));
            transaction.Commit();
        }
        return id;
    }

    private void EnsureConversation(string id, CaptureIdentity identity, string now, SqliteTransaction transaction) =>
        Execute("INSERT OR IGNORE INTO conversations (id, user_hash, key_fingerprint, created_at) VALUES ($id, $user, $key, $created)", transaction,
            ("$id", id), ("$user", CaptureIdentity.HashUser(identity.UserId)), ("$key", identity.KeyFingerprint), ("$created", now));

    /// <summary>Removes a conversation: its messages, every judgement filed under it, and the conversation row.</summary>
    public CaptureCounts DeleteConversation(string conversationId) => Delete(
        "SELECT $id",
        ("$id", conversationId));

    /// <summary>
    /// A data-subject request: removes every conversation the user started (all their rows) and every judgement the
    /// user filed anywhere.
    /// </summary>
    public CaptureCounts DeleteUser(string userId)
    {
        string hash = CaptureIdentity.HashUser(userId) ?? throw new SharpLMException("the user id to delete is empty.");
        return Delete("SELECT id FROM conversations WHERE user_hash = $user", ("$user", hash), extraFeedback: "user_hash = $user");
    }

    /// <summary>Removes every row recorded more than <paramref name="days"/> days ago, then conversations left empty and old.</summary>
    public CaptureCounts ApplyRetention(int days)
    {
        if (days < 1) throw new SharpLMException($"--capture-retention-days must be at least 1 (got {days}).");
        string cutoff = Format(_clock.GetUtcNow().AddDays(-days));
        lock (_gate)
        {
            using var transaction = _connection.BeginTransaction();
            long messages = Execute("DELETE FROM messages WHERE created_at < $cutoff", transaction, ("$cutoff", cutoff));
            long feedback = Execute("DELETE FROM feedback WHERE created_at < $cutoff", transaction, ("$cutoff", cutoff));
            long conversations = Execute("""
                DELETE FROM conversations WHERE created_at < $cutoff
                  AND id NOT IN (SELECT conversation_id FROM messages) AND id NOT IN (SELECT conversation_id FROM feedback)
                """, transaction, ("$cutoff", cutoff));
            transaction.Commit();
            return new CaptureCounts(conversations, messages, feedback);
        }
    }

    private CaptureCounts Delete(string conversationsQuery, (string, object?) parameter, string? extraFeedback = null)
    {
        lock (_gate)
        {
            using var transaction = _connection.BeginTransaction();
            string inConversations = $"conversation_id IN ({conversationsQuery})";
            long messages = Execute($"DELETE FROM messages WHERE {inConversations}", transaction, parameter);
            long feedback = Execute($"DELETE FROM feedback WHERE {inConversations}" + (extraFeedback is null ? "" : $" OR {extraFeedback}"), transaction, parameter);
            long conversations = Execute($"DELETE FROM conversations WHERE id IN ({conversationsQuery})", transaction, parameter);
            transaction.Commit();
            return new CaptureCounts(conversations, messages, feedback);
        }
    }

    /// <summary>Every judgement, oldest first (ties by id), for the flywheel build.</summary>
    public IReadOnlyList<StoredFeedback> ReadFeedback()
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = """
                SELECT id, created_at, kind, conversation_id, prompt, message_id, model, response, rating, correction,
                       a_model, a_response, b_model, b_response, preferred
                FROM feedback ORDER BY created_at, id
                """;
            using var reader = command.ExecuteReader();
            var rows = new List<StoredFeedback>();
            while (reader.Read())
            {
                string id = reader.GetString(0);
                string? Text(int column) => reader.IsDBNull(column) ? null : reader.GetString(column);
                var prompt = PromptJson.Read(reader.GetString(4), $"{Path}: feedback {id}");
                FeedbackEntry entry = reader.GetString(2) == FeedbackEntry.RatingKind
                    ? new RatingFeedback(reader.GetString(3), Text(5), Text(6), prompt, Text(7) ?? "", reader.GetInt32(8), Text(9))
                    : new PairwiseFeedback(reader.GetString(3), prompt, new PairwiseCandidate(Text(10), Text(11) ?? ""),
                        new PairwiseCandidate(Text(12), Text(13) ?? ""), Text(14) ?? "tie");
                rows.Add(new StoredFeedback(id, Parse(reader.GetString(1)), entry));
            }
            return rows;
        }
    }

    public CaptureCounts Count()
    {
        lock (_gate)
            return new CaptureCounts(Scalar("SELECT COUNT(*) FROM conversations") ?? 0, Scalar("SELECT COUNT(*) FROM messages") ?? 0,
                Scalar("SELECT COUNT(*) FROM feedback") ?? 0);
    }

    public CaptureStats Stats()
    {
        var rows = Count();
        lock (_gate)
        {
            long Of(string sql) => Scalar(sql) ?? 0;
            string? oldest = Text("SELECT MIN(t) FROM (SELECT MIN(created_at) AS t FROM messages UNION ALL SELECT MIN(created_at) FROM feedback)");
            string? newest = Text("SELECT MAX(t) FROM (SELECT MAX(created_at) AS t FROM messages UNION ALL SELECT MAX(created_at) FROM feedback)");
            return new CaptureStats(rows, Of("SELECT COUNT(DISTINCT exchange_id) FROM messages"),
                Of("SELECT COUNT(*) FROM feedback WHERE rating = 1"), Of("SELECT COUNT(*) FROM feedback WHERE rating = -1"),
                Of("SELECT COUNT(*) FROM feedback WHERE correction IS NOT NULL AND correction <> ''"),
                Of("SELECT COUNT(*) FROM feedback WHERE kind = 'pairwise'"), Of("SELECT COUNT(*) FROM feedback WHERE preferred = 'tie'"),
                oldest is null ? null : Parse(oldest), newest is null ? null : Parse(newest), (int)(Scalar("SELECT MAX(version) FROM schema_version") ?? 0));
        }
    }

    private string Scrub(string text) => _scrubber.Scrub(text);

    private string? ScrubOrNull(string? text) => text is null ? null : _scrubber.Scrub(text);

    private string Now() => Format(_clock.GetUtcNow());

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString(CaptureSchema.TimestampFormat, CultureInfo.InvariantCulture);

    private static DateTimeOffset Parse(string text) =>
        DateTimeOffset.ParseExact(text, CaptureSchema.TimestampFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    private int Execute(string sql, SqliteTransaction? transaction = null, params (string Name, object? Value)[] parameters)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command.ExecuteNonQuery();
    }

    private long? Scalar(string sql, SqliteTransaction? transaction = null)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command.ExecuteScalar() is long value ? value : null;
    }

    private string? Text(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar() as string;
    }

    public void Dispose() => _connection.Dispose();
}
