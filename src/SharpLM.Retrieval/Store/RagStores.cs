namespace SharpLM.Retrieval.Store;

/// <summary>Opens the index a --db text names: a PostgreSQL URI or connection string, else a SQLite file path.</summary>
public static class RagStores
{
    /// <summary>Opens an index; with <paramref name="create"/> a missing one is created empty, else it is an error.</summary>
    public static IRagStore Open(string db, bool create) =>
        PostgresTarget.Names(db) ? PostgresRagStore.Open(PostgresTarget.Parse(db), create) : SqliteRagStore.Open(db, create);

    /// <summary>
    /// Where the files that accompany an index are written (metrics, evaluation questions and report): beside a SQLite
    /// file; for a PostgreSQL index, in the current folder under the schema's name.
    /// </summary>
    public static string CompanionStem(string db) => PostgresTarget.Names(db) ? PostgresTarget.Parse(db).Schema : db;
}
