using System.Diagnostics;
using System.Text.Json;

namespace SharpLM.Cli.Tests;

/// <summary>
/// The sharded data pipeline as separate processes, the way a Slurm array runs it (ranks from
/// SLURM_ARRAY_TASK_ID/COUNT, all at once), then the merge: the kept documents are a one-process run's.
/// </summary>
public class ShardedDataRunTests
{
    private static Process StartRank(string config, string output, int taskId, int count)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { Path.Combine(AppContext.BaseDirectory, "sharplm.dll"), "data", "run", "--config", config, "--out", output, "--threads", "1" })
            start.ArgumentList.Add(argument);
        start.Environment["NO_COLOR"] = "1";
        start.Environment["SLURM_ARRAY_TASK_ID"] = (taskId + 1).ToString();
        start.Environment["SLURM_ARRAY_TASK_MIN"] = "1";
        start.Environment["SLURM_ARRAY_TASK_COUNT"] = count.ToString();
        return Process.Start(start)!;
    }

    /// <summary>Output documents without their ingestion time, sorted.</summary>
    private static List<string> Documents(string folder) =>
        Directory.GetFiles(Path.Combine(folder, "shards"), "*.jsonl").SelectMany(File.ReadAllLines)
            .Select(l => System.Text.RegularExpressions.Regex.Replace(l, "\"ingested_at\":\"[^\"]*\"", "")).Order(StringComparer.Ordinal).ToList();

    [Fact]
    public void Ranks_started_as_a_slurm_array_then_merged_keep_the_documents_of_one_process()
    {
        string dir = CliProcess.TempDirectory();
        var random = new Random(4);
        string[] words = ["tide", "harbour", "gull", "mast", "sail", "storm", "keel", "rope", "anchor", "deck", "crew", "wind"];
        string Sentence() => string.Join(' ', Enumerable.Range(0, 12).Select(_ => words[random.Next(words.Length)])) + ".";
        var texts = Enumerable.Range(0, 12).Select(_ => string.Join(' ', Enumerable.Range(0, 8).Select(_ => Sentence()))).ToList();
        Directory.CreateDirectory(Path.Combine(dir, "in"));
        for (int file = 0; file < 5; file++)
            // Every file repeats some texts of the file before it, so duplicates cross the ranks.
            File.WriteAllLines(Path.Combine(dir, "in", $"part{file}.jsonl"), Enumerable.Range(0, 6).Select(i => JsonSerializer.Serialize(new { text = texts[(file * 2 + i) % texts.Count] })));
        string config = Path.Combine(dir, "data.json");
        File.WriteAllText(config, """
            {"sources": [{"name": "sea", "inputs": ["in/*.jsonl"], "license": "CC0-1.0"}],
             "filters": null, "split": {"validation_fraction": 0.2}, "output": {"shard_documents": 4}}
            """);

        var single = CliProcess.Run("data", "run", "--config", config, "--out", Path.Combine(dir, "one"), "--threads", "1");
        Assert.True(single.ExitCode == 0, single.Error);
        string sharded = Path.Combine(dir, "many");
        var ranks = Enumerable.Range(0, 3).Select(r => StartRank(config, sharded, r, 3)).ToList();
        foreach (var rank in ranks)
        {
            string error = rank.StandardError.ReadToEnd();
            rank.StandardOutput.ReadToEnd();
            rank.WaitForExit();
            Assert.True(rank.ExitCode == 0, error);
        }
        Assert.Equal(3, Directory.GetFiles(Path.Combine(sharded, "completions")).Length);

        var early = CliProcess.Run("data", "merge", "--config", config, "--out", Path.Combine(dir, "one"));
        Assert.Equal(2, early.ExitCode);
        Assert.StartsWith("sharplm: error: ", early.Error.Trim());
        Assert.Contains("no completion markers", early.Error);

        var merge = CliProcess.Run("data", "merge", "--config", config, "--out", sharded);
        Assert.True(merge.ExitCode == 0, merge.Error);
        var expected = Documents(Path.Combine(dir, "one"));
        Assert.Equal(30 - 18, expected.Count); // 12 distinct texts of 30 lines
        Assert.Equal(expected, Documents(sharded));
        var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(sharded, "manifest.json"))).RootElement;
        Assert.Equal(18, manifest.GetProperty("drops").GetProperty("dedup.exact").GetInt64());
    }
}
