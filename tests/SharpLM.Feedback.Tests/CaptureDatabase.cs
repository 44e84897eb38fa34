using Microsoft.Data.Sqlite;

namespace SharpLM.Feedback.Tests;

/// <summary>Reads a capture database file directly with SQLite, independently of the store: row counts and every text cell.</summary>
public static class CaptureDatabase
{
    public static readonly string[] Tables = ["conversations", "messages", "feedback"];

    public static string NewPath() => Path.Combine(Directory.CreateTempSubdirectory("sharplm-capture-").FullName, "capture.db");

    private static SqliteConnection Open(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    public static Dictionary<string, long> RowCounts(string path)
    {
        using var connection = Open(path);
        return Tables.ToDictionary(t => t, t =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT COUNT(*) FROM {t}";
            return (long)command.ExecuteScalar()!;
        });
    }

    /// <summary>Every non-null cell of every table, as text.</summary>
    public static List<string> AllCells(string path)
    {
        using var connection = Open(path);
        var cells = new List<string>();
        foreach (string table in Tables.Append("schema_version"))
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT * FROM {table}";
            using var reader = command.ExecuteReader();
            while (reader.Read())
                for (int i = 0; i < reader.FieldCount; i++)
                    if (!reader.IsDBNull(i)) cells.Add(Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)!);
        }
        return cells;
    }

    public static List<Dictionary<string, object?>> Rows(string path, string sql)
    {
        using var connection = Open(path);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<Dictionary<string, object?>>();
        while (reader.Read())
            rows.Add(Enumerable.Range(0, reader.FieldCount).ToDictionary(reader.GetName, i => reader.IsDBNull(i) ? null : reader.GetValue(i)));
        return rows;
    }

    /// <summary>The raw bytes of the database and its write-ahead log, to check nothing was written even transiently.</summary>
    public static byte[] RawBytes(string path) =>
        [.. File.ReadAllBytes(path), .. File.Exists(path + "-wal") ? ReadShared(path + "-wal") : []];

    private static byte[] ReadShared(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        file.CopyTo(copy);
        return copy.ToArray();
    }
}
