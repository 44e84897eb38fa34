namespace SharpLM.Feedback.Capture;

/// <summary>
/// The capture database's tables (documented in docs/flywheel.md). Every row carries created_at as UTC ISO 8601
/// text with milliseconds ("2026-11-30T21:04:05.123Z"), so that text order is time order and retention is one
/// comparison. Texts are scrubbed before they are written; keys are stored only as the server's fingerprint and user
/// ids only as their SHA-256.
/// </summary>
internal static class CaptureSchema
{
    public const int Version = 1;

    public const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    public const string Create = """
        CREATE TABLE IF NOT EXISTS schema_version (
            version     INTEGER NOT NULL,
            created_at  TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS conversations (
            id               TEXT PRIMARY KEY,
            user_hash        TEXT,
            key_fingerprint  TEXT,
            created_at       TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS conversations_by_user ON conversations (user_hash);
        CREATE TABLE IF NOT EXISTS messages (
            id                 TEXT PRIMARY KEY,
            conversation_id    TEXT NOT NULL REFERENCES conversations (id),
            exchange_id        TEXT NOT NULL,
            position           INTEGER NOT NULL,
            role               TEXT NOT NULL,
            content            TEXT NOT NULL,
            endpoint           TEXT NOT NULL,
            model              TEXT NOT NULL,
            finish_reason      TEXT,
            prompt_tokens      INTEGER,
            completion_tokens  INTEGER,
            created_at         TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS messages_by_conversation ON messages (conversation_id);
        CREATE TABLE IF NOT EXISTS feedback (
            id               TEXT PRIMARY KEY,
            conversation_id  TEXT NOT NULL REFERENCES conversations (id),
            kind             TEXT NOT NULL CHECK (kind IN ('rating', 'pairwise')),
            prompt           TEXT NOT NULL,
            message_id       TEXT,
            model            TEXT,
            response         TEXT,
            rating           INTEGER CHECK (rating IN (1, -1)),
            correction       TEXT,
            a_model          TEXT,
            a_response       TEXT,
            b_model          TEXT,
            b_response       TEXT,
            preferred        TEXT CHECK (preferred IN ('a', 'b', 'tie')),
            user_hash        TEXT,
            key_fingerprint  TEXT,
            created_at       TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS feedback_by_conversation ON feedback (conversation_id);
        CREATE INDEX IF NOT EXISTS feedback_by_user ON feedback (user_hash);
        """;

    public static readonly IReadOnlyList<string> Tables = ["conversations", "messages", "feedback"];
}
