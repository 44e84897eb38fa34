using System.Text.Json;
using SharpLM.Core.Formats.Documents;
using SharpLM.Retrieval.Tests;

namespace SharpLM.Cli.Tests;

/// <summary>`rag index`, `rag search`, `rag eval` (retrieval only) and `rag ask` as child processes against a PostgreSQL index.</summary>
public class RagPostgresVerbTests(PostgresServer server) : IClassFixture<PostgresServer>
{
    private static Document Doc(string id, string text) => new() { Id = id, Text = text, Source = $"test:{id}", License = "CC0-1.0" };

    [PostgresFact]
    public void Index_search_eval_and_ask_run_against_postgres()
    {
        string folder = CliProcess.TempDirectory(), model = TinyModelFolder.Create(maxPositions: 2048);
        try
        {
            string documents = Path.Combine(folder, "docs.jsonl"), db = server.Db();
            DocumentJsonl.Write(documents,
            [
                Doc("a", "The tariff on imported iron protects our manufacturers. Revenue from the tariff pays the public debt."),
                Doc("c", "The navy has launched six new frigates this year. Commerce on the seas is safe from pirates."),
                Doc("f", "Railroads now cross the continent from ocean to ocean, carrying mail and settlers west."),
                Doc("h", "The postal service delivers mail to every town; its revenue covers its cost."),
            ]);
            var index = CliProcess.RunIn(folder, "rag", "index", "--in", documents, "--db", db);
            Assert.True(index.ExitCode == 0, index.Error);
            Assert.Contains("4 added", index.Output);
            var again = CliProcess.RunIn(folder, "rag", "index", "--in", documents, "--db", db);
            Assert.Contains("4 unchanged", again.Output);
            // The metrics go to the current folder under the schema's name, and never carry the connection's password.
            string schema = SharpLM.Retrieval.Store.PostgresTarget.Parse(db).Schema;
            Assert.Equal(2, File.ReadAllLines(Path.Combine(folder, schema + ".metrics.jsonl")).Length);

            var search = CliProcess.RunIn(folder, "rag", "search", "--db", db, "--query", "trains crossing america", "--method", "hybrid", "-k", "3", "--json");
            Assert.True(search.ExitCode == 0, search.Error);
            var results = search.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.Equal(3, results.Count);
            Assert.Equal("f", results[0].GetProperty("document_id").GetString());
            Assert.Equal(1.0 / 61 + 1.0 / 61, results[0].GetProperty("score").GetDouble(), 1e-12); // first in both rankings
            Assert.Equal(87, results[0].GetProperty("char_end").GetInt32());

            var eval = CliProcess.RunIn(folder, "rag", "eval", "--db", db, "--documents", documents, "--questions", "4", "-k", "2");
            Assert.True(eval.ExitCode == 0, eval.Error);
            using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, schema + ".eval.json")));
            Assert.Equal(["bm25", "dense", "hybrid"], report.RootElement.GetProperty("methods").EnumerateArray().Select(m => m.GetProperty("method").GetString()));
            Assert.Contains($"(schema {schema})", report.RootElement.GetProperty("db").GetString());

            // A cited answer from a tiny random model over the PostgreSQL index, its spans checked against the documents.
            var ask = CliProcess.RunIn(folder, "rag", "ask", "--db", db, "--model", model, "--question", "How many frigates did the navy launch?",
                "-k", "2", "--documents", documents, "--max-tokens", "200", "--max-answer-chars", "8", "--json");
            Assert.True(ask.ExitCode == 0, ask.Error + ask.Output);
            using var answer = JsonDocument.Parse(ask.Output);
            Assert.All(answer.RootElement.GetProperty("citations").EnumerateArray(), c => Assert.True(c.GetProperty("span_verified").GetBoolean()));

            var missing = CliProcess.RunIn(folder, "rag", "search", "--db", server.Db(), "--query", "navy");
            Assert.Equal(2, missing.ExitCode);
            Assert.Contains("no retrieval index in this schema", missing.Error);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
            Directory.Delete(model, recursive: true);
        }
    }
}
