using Microsoft.Data.Sqlite;
using SharpLM.Core;

namespace SharpLM.Retrieval.Store;

/// <summary>
/// Loads the sqlite-vec extension (the vec0 virtual table) into a connection. The build fetches vec0.so from the
/// npm package sqlite-vec-linux-x64 and copies it beside the binaries; Microsoft.Data.Sqlite's bundled SQLite is
/// built with extension loading, which a connection must switch on first.
/// </summary>
public static class SqliteVec
{
    public const string Version = "0.1.9";

    public static string LibraryPath => Path.Combine(AppContext.BaseDirectory, "vec0.so");

    public static void Load(SqliteConnection connection)
    {
        if (!OperatingSystem.IsLinux() || !File.Exists(LibraryPath))
            throw new SharpLMException($"the sqlite-vec extension is not available: {LibraryPath} is missing (the build fetches it with "
                + $"'npm pack sqlite-vec-linux-x64@{Version}', so build with npm on the PATH; only Linux x64 is packaged).");
        connection.EnableExtensions(true);
        try
        {
            connection.LoadExtension(LibraryPath);
        }
        catch (SqliteException e)
        {
            throw new SharpLMException($"{LibraryPath}: SQLite could not load the sqlite-vec extension ({e.Message}).", e);
        }
        finally
        {
            connection.EnableExtensions(false);
        }
    }
}
