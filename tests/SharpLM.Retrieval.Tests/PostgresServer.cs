using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace SharpLM.Retrieval.Tests;

/// <summary>A test that needs a PostgreSQL server: SHARPLM_TEST_POSTGRES, or node and npm to start PGlite.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(PostgresServer.Variable)) && (PostgresServer.Find("node") is null || PostgresServer.Find("npm") is null))
            Skip = $"no PostgreSQL server: set {PostgresServer.Variable} to a connection string of a server with pgvector, or install Node.js so that the tests can start PGlite.";
    }
}

/// <summary>A test that starts PGlite itself (whatever SHARPLM_TEST_POSTGRES says), so it needs node and npm.</summary>
public sealed class PgliteFactAttribute : FactAttribute
{
    public PgliteFactAttribute()
    {
        if (PostgresServer.Find("node") is null || PostgresServer.Find("npm") is null)
            Skip = "node and npm are not on PATH, so PGlite cannot start; install Node.js to run this test.";
    }
}

/// <summary>
/// The PostgreSQL server of the store's tests: the one SHARPLM_TEST_POSTGRES names (a real server with pgvector), else
/// PGlite with pgvector (tools/pglite, copied beside the test assembly; `npm ci` on first use) started on a free port
/// and stopped on dispose. Each test takes a schema of its own, so that it starts from an empty index.
/// </summary>
public sealed class PostgresServer : IDisposable
{
    public const string Variable = "SHARPLM_TEST_POSTGRES";

    private readonly Process? _pglite;
    private readonly string _connectionString;
    private readonly List<string> _schemas = [];

    public PostgresServer() : this(withVector: true) { }

    /// <summary>A PGlite server whose PostgreSQL lacks pgvector, as a server without the extension installed.</summary>
    public static PostgresServer PgliteWithoutVector() => new(withVector: false);

    private PostgresServer(bool withVector)
    {
        if (withVector && Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } given)
        {
            _connectionString = given;
            return;
        }
        string folder = Path.Combine(AppContext.BaseDirectory, "pglite");
        if (!File.Exists(Path.Combine(folder, "node_modules", "@electric-sql", "pglite-socket", "package.json")))
            Run("npm", folder, "ci", "--no-audit", "--no-fund", "--loglevel=error");
        int port = FreePort();
        var start = new ProcessStartInfo(Find("node")!)
        {
            WorkingDirectory = folder, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        start.ArgumentList.Add("server.mjs");
        start.ArgumentList.Add(port.ToString());
        if (!withVector) start.ArgumentList.Add("--without-vector");
        _pglite = Process.Start(start)!;
        var errors = new System.Text.StringBuilder();
        _pglite.ErrorDataReceived += (_, e) => { lock (errors) errors.AppendLine(e.Data); };
        _pglite.BeginErrorReadLine();
        // A guard against a hung start only: PGlite starts in seconds, slower when other work shares the cores.
        var ready = Task.Run(() => _pglite.StandardOutput.ReadLine());
        if (!ready.Wait(TimeSpan.FromMinutes(3)) || ready.Result is not { } line || !line.StartsWith("ready ", StringComparison.Ordinal))
        {
            Stop();
            lock (errors) throw new InvalidOperationException($"PGlite did not start: {errors}");
        }
        _connectionString = $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres";
    }

    /// <summary>Whether the server is PGlite started here (one database session that every connection shares).</summary>
    public bool IsPglite => _pglite is not null;

    /// <summary>The --db text of an index in a new schema, in the form of the server's connection text (URI or keywords).</summary>
    public string Db()
    {
        string schema = $"t_{Guid.NewGuid():N}"[..18];
        _schemas.Add(schema);
        return _connectionString.Contains("://", StringComparison.Ordinal)
            ? _connectionString + (_connectionString.Contains('?') ? "&" : "?") + "schema=" + schema
            : _connectionString.TrimEnd(';') + ";Schema=" + schema;
    }

    public static string? Find(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program)).FirstOrDefault(File.Exists);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void Run(string program, string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo(Find(program)!) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited {process.ExitCode}: {error.Result}");
    }

    private void Stop()
    {
        if (_pglite is null) return;
        // The server stops when its standard input closes; killed if it does not.
        _pglite.StandardInput.Close();
        if (!_pglite.WaitForExit(TimeSpan.FromSeconds(30))) _pglite.Kill(entireProcessTree: true);
        _pglite.Dispose();
    }

    public void Dispose()
    {
        if (_pglite is not null) { Stop(); return; }
        // A real server keeps what the tests wrote unless it is dropped.
        var target = SharpLM.Retrieval.Store.PostgresTarget.Parse(_connectionString);
        using var connection = new NpgsqlConnection(target.ConnectionString);
        connection.Open();
        foreach (string schema in _schemas)
        {
            using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE", connection);
            drop.ExecuteNonQuery();
        }
    }
}
