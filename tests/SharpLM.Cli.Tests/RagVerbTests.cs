using System.Text.Json;

namespace SharpLM.Cli.Tests;

/// <summary>The rag verbs as a user runs them: index, then answer and evaluate with a model, each a real process.</summary>
public class RagVerbTests
{
    private static readonly string[] Documents =
    [
        """{"id": "navy", "text": "The navy launched four iron frigates this year from the busy yards along the eastern coast. The yards are busy with new hulls.", "source": "test:navy", "license": "CC0-1.0"}""",
        """{"id": "tariff", "text": "The tariff on imported iron was lowered twice by Congress during the long and quarrelsome winter session. Revenue paid the debt.", "source": "test:tariff", "license": "CC0-1.0"}""",
        """{"id": "army", "text": "The army guarded the western frontier all summer while settlers moved their wagons across the wide plains. The captain watched the sea.", "source": "test:army", "license": "CC0-1.0"}""",
    ];

    [Fact]
    public void Ask_searches_each_round_and_eval_with_a_model_scores_citations_under_every_method()
    {
        string model = TinyModelFolder.Create(maxPositions: 2048);
        string root = CliProcess.TempDirectory(), docs = Path.Combine(root, "docs.jsonl"), db = Path.Combine(root, "rag.db");
        File.WriteAllLines(docs, Documents);
        var index = CliProcess.Run("rag", "index", "--in", docs, "--db", db, "--embedder", model, "--chunk-tokens", "10", "--overlap-tokens", "0", "--threads", "1");
        Assert.True(index.ExitCode == 0, index.Error + index.Output);

        var ask = CliProcess.Run("rag", "ask", "--db", db, "--model", model, "--question", "How many frigates did the navy launch?", "-k", "2",
            "--rounds", "2", "--documents", docs, "--max-tokens", "200", "--max-answer-chars", "8", "--json");
        Assert.True(ask.ExitCode == 0, ask.Error + ask.Output);
        using var answer = JsonDocument.Parse(ask.Output);
        var queries = answer.RootElement.GetProperty("queries").EnumerateArray().Select(q => q.GetString()).ToList();
        Assert.Equal("How many frigates did the navy launch?", queries[0]);
        Assert.InRange(queries.Count, 1, 2);
        Assert.All(answer.RootElement.GetProperty("citations").EnumerateArray(), c => Assert.True(c.GetProperty("span_verified").GetBoolean()));

        // Every method is answered by the one loaded model (the evaluation once stalled after its first method).
        string report = Path.Combine(root, "eval.json");
        var eval = CliProcess.Run("rag", "eval", "--db", Path.Combine(root, "eval.db"), "--documents", docs, "--questions", "2", "--embedder", model,
            "--chunk-tokens", "24", "--overlap-tokens", "0", "--threads", "1", "--model", model, "--answer-chunks", "1", "--max-tokens", "200",
            "--max-answer-chars", "8", "--out", report);
        Assert.True(eval.ExitCode == 0, eval.Error + eval.Output);
        using var scores = JsonDocument.Parse(File.ReadAllText(report));
        var citations = scores.RootElement.GetProperty("citations").EnumerateArray().ToList();
        Assert.Equal(["bm25", "dense", "hybrid"], citations.Select(c => c.GetProperty("method").GetString()));
        Assert.All(citations, c => Assert.InRange(c.GetProperty("citation_precision").GetDouble(), 0, 1));
    }

    [Fact]
    public void Zero_rounds_is_refused_naming_the_option()
    {
        var result = CliProcess.Run("rag", "ask", "--db", "missing.db", "--model", "m", "--question", "q", "--rounds", "0");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--rounds must be at least 1, got 0.", result.Error);
    }
}
