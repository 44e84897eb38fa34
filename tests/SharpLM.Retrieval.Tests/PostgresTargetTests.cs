using System.Net;
using System.Net.Sockets;
using Npgsql;
using SharpLM.Core;
using SharpLM.Retrieval.Store;

namespace SharpLM.Retrieval.Tests;

/// <summary>How --db text is read: which store, which server, which schema; these need no server.</summary>
public class PostgresTargetTests
{
    [Theory]
    [InlineData("rag.db", false)]
    [InlineData("/data/postgres/rag.db", false)]
    [InlineData("postgres://u@h/d", true)]
    [InlineData("PostgreSQL://u@h/d", true)]
    [InlineData("Host=db.internal;Database=rag", true)]
    [InlineData("Database=rag; host = db.internal", true)]
    public void The_db_text_names_postgres_or_a_file(string db, bool postgres) => Assert.Equal(postgres, PostgresTarget.Names(db));

    [Fact]
    public void A_uri_becomes_an_npgsql_connection_string_and_a_schema()
    {
        var target = PostgresTarget.Parse("postgresql://rag%40app:p%3Ass@db.example.org:6543/corpus?schema=sotu&sslmode=require&application_name=sharplm");
        var built = new NpgsqlConnectionStringBuilder(target.ConnectionString);
        Assert.Equal(("db.example.org", 6543, "corpus", "rag@app", "p:ss", SslMode.Require, "sharplm"),
            (built.Host, built.Port, built.Database, built.Username, built.Password, built.SslMode, built.ApplicationName));
        Assert.Equal("sotu", target.Schema);
        Assert.DoesNotContain("p:ss", target.Description);
        Assert.Equal("postgres://rag@app@db.example.org:6543/corpus (schema sotu)", target.Description);
        Assert.Equal(PostgresTarget.DefaultSchema, PostgresTarget.Parse("postgres://localhost/rag").Schema);
        Assert.Equal(5432, new NpgsqlConnectionStringBuilder(PostgresTarget.Parse("postgres://localhost/rag").ConnectionString).Port);
    }

    [Fact]
    public void A_keyword_connection_string_keeps_its_keywords_and_gives_the_schema()
    {
        var target = PostgresTarget.Parse("Host=127.0.0.1;Port=5433;Username=postgres;Password=secret;Database=postgres;Schema=books;Pooling=false");
        var built = new NpgsqlConnectionStringBuilder(target.ConnectionString);
        Assert.Equal(("127.0.0.1", 5433, "postgres", false), (built.Host, built.Port, built.Database, built.Pooling));
        Assert.Equal("books", target.Schema);
        Assert.DoesNotContain("secret", target.Description);
    }

    [Theory]
    [InlineData("postgres://h/d?schema=Bad-Name", "schema 'Bad-Name'")]
    [InlineData("postgres://h/d?sslcert=x", "'sslcert' is not understood")]
    [InlineData("Host=h;Flavour=mint", "'flavour' is not an Npgsql connection string keyword")]
    [InlineData("Host=h;Schema=1abc", "schema '1abc'")]
    public void Bad_db_text_is_a_one_line_error(string db, string expected) =>
        Assert.Contains(expected, Assert.Throws<SharpLMException>(() => PostgresTarget.Parse(db)).Message);

    [Fact]
    public void An_unreachable_server_is_named_in_one_line()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nothing listens there now
        var error = Assert.Throws<SharpLMException>(() => RagStores.Open($"postgres://postgres@127.0.0.1:{port}/postgres?schema=x", create: true));
        Assert.StartsWith($"postgres://postgres@127.0.0.1:{port}/postgres (schema x): cannot reach the PostgreSQL server", error.Message);
    }

    [Fact]
    public void Companion_files_sit_beside_a_sqlite_file_and_under_the_schema_name_for_postgres()
    {
        Assert.Equal("/data/rag.db", RagStores.CompanionStem("/data/rag.db"));
        Assert.Equal("sotu", RagStores.CompanionStem("postgres://h/d?schema=sotu"));
        Assert.Equal(PostgresTarget.DefaultSchema, RagStores.CompanionStem("Host=h"));
    }
}
