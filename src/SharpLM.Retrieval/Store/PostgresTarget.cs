using System.Data.Common;
using System.Text.RegularExpressions;
using Npgsql;
using SharpLM.Core;

namespace SharpLM.Retrieval.Store;

/// <summary>
/// A PostgreSQL index named on the command line: a <c>postgres://</c> or <c>postgresql://</c> URI
/// (<c>postgres://user:password@host:5432/database?schema=rag&amp;sslmode=require</c>) or an Npgsql connection string
/// (<c>Host=…;Database=…;Username=…;Schema=rag</c>). <c>schema</c> is the index's own: the PostgreSQL schema that holds
/// its tables, so that several indexes share one database; it defaults to <see cref="DefaultSchema"/>.
/// </summary>
public sealed partial record PostgresTarget(string ConnectionString, string Schema, string Description)
{
    public const string DefaultSchema = "sharplm_rag";

    /// <summary>URI query parameters and the Npgsql keywords they become.</summary>
    private static readonly Dictionary<string, string> UriParameters = new(StringComparer.OrdinalIgnoreCase)
    {
        ["sslmode"] = "SSL Mode", ["application_name"] = "Application Name", ["connect_timeout"] = "Timeout",
        ["command_timeout"] = "Command Timeout", ["options"] = "Options",
    };

    [GeneratedRegex(@"^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex SchemaName();

    /// <summary>Whether the --db text names a PostgreSQL index rather than a SQLite file.</summary>
    public static bool Names(string db) =>
        db.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || db.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
        || db.Split(';').Any(part => part.Split('=')[0].Trim().Equals("Host", StringComparison.OrdinalIgnoreCase) && part.Contains('='));

    public static PostgresTarget Parse(string db)
    {
        var builder = new NpgsqlConnectionStringBuilder();
        string schema = DefaultSchema;
        if (db.Contains("://", StringComparison.Ordinal)) schema = FromUri(db, builder) ?? schema;
        else
        {
            var pairs = new DbConnectionStringBuilder();
            try { pairs.ConnectionString = db; }
            catch (ArgumentException e) { throw new SharpLMException($"--db: not a readable connection string ({e.Message})."); }
            foreach (string key in pairs.Keys)
            {
                string value = pairs[key]?.ToString() ?? "";
                if (key.Equals("schema", StringComparison.OrdinalIgnoreCase)) { schema = value; continue; }
                try { builder[key] = value; }
                catch (ArgumentException) { throw new SharpLMException($"--db: '{key}' is not an Npgsql connection string keyword."); }
            }
        }
        if (!SchemaName().IsMatch(schema))
            throw new SharpLMException($"--db: schema '{schema}' must be a lower-case PostgreSQL name (letters, digits and _, not starting with a digit).");
        if (string.IsNullOrEmpty(builder.Host)) throw new SharpLMException("--db: the PostgreSQL connection string names no Host.");
        string description = $"postgres://{(builder.Username is { } user ? user + "@" : "")}{builder.Host}:{builder.Port}/{builder.Database ?? ""} (schema {schema})";
        return new PostgresTarget(builder.ConnectionString, schema, description);
    }

    /// <summary>Fills the builder from a URI; returns the schema it names, if any.</summary>
    private static string? FromUri(string db, NpgsqlConnectionStringBuilder builder)
    {
        if (!Uri.TryCreate(db, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            throw new SharpLMException("--db: not a readable PostgreSQL URI; the form is postgres://user:password@host:5432/database?schema=NAME.");
        builder.Host = uri.Host.Trim('[', ']');
        if (uri.Port > 0) builder.Port = uri.Port;
        if (uri.UserInfo.Length > 0)
        {
            string[] user = uri.UserInfo.Split(':', 2);
            builder.Username = Uri.UnescapeDataString(user[0]);
            if (user.Length == 2) builder.Password = Uri.UnescapeDataString(user[1]);
        }
        string database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length > 0) builder.Database = database;
        string? schema = null;
        foreach (string pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] parts = pair.Split('=', 2);
            string name = Uri.UnescapeDataString(parts[0]), value = parts.Length == 2 ? Uri.UnescapeDataString(parts[1].Replace('+', ' ')) : "";
            if (name.Equals("schema", StringComparison.OrdinalIgnoreCase)) schema = value;
            else if (UriParameters.TryGetValue(name, out string? keyword))
            {
                try { builder[keyword] = value; }
                catch (ArgumentException e) { throw new SharpLMException($"--db: {name}={value} is not accepted ({e.Message})."); }
            }
            else throw new SharpLMException($"--db: the URI parameter '{name}' is not understood (use schema, {string.Join(", ", UriParameters.Keys)}).");
        }
        return schema;
    }
}
