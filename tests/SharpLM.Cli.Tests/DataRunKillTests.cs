using System.Diagnostics;
using System.Text.Json;

namespace SharpLM.Cli.Tests;

/// <summary>`sharplm data run` killed mid-run and run again produces exactly the output of a run never interrupted.</summary>
public class DataRunKillTests
{
    [Fact]
    public void A_killed_data_run_resumes_without_lost_or_duplicated_documents()
    {
        string dir = CliProcess.TempDirectory();
        var random = new Random(17);
        string[] words = ["the", "ship", "and", "of", "to", "sea", "with", "crew", "that", "have", "sailed", "grey", "harbour", "storm", "morning"];
        string Sentence() => string.Join(' ', Enumerable.Range(0, random.Next(8, 14)).Select(_ => words[random.Next(words.Length)])) + ".";
        var texts = new List<string>();
        File.WriteAllLines(Path.Combine(dir, "corpus.jsonl"), Enumerable.Range(0, 6000).Select(i =>
        {
            string text = i % 9 == 8 ? texts[random.Next(texts.Count)] : string.Join(' ', Enumerable.Range(0, 12).Select(_ => Sentence()));
            texts.Add(text);
            return JsonSerializer.Serialize(new { id = $"doc-{i}", text });
        }));
        File.WriteAllText(Path.Combine(dir, "config.json"), """
            {"sources": [{"name": "corpus", "inputs": ["corpus.jsonl"], "license": "CC0-1.0"}],
             "output": {"shard_documents": 40}, "split": {"validation_fraction": 0.1}}
            """);
        string config = Path.Combine(dir, "config.json");

        var whole = CliProcess.Run("data", "run", "--config", config, "--out", Path.Combine(dir, "whole"));
        Assert.True(whole.ExitCode == 0, whole.Output + whole.Error);

        string killed = Path.Combine(dir, "killed");
        using (var process = CliProcess.Start("data", "run", "--config", config, "--out", killed))
        {
            string marker = Path.Combine(killed, "state", "chunk-00002.json");
            var clock = Stopwatch.StartNew();
            while (!File.Exists(marker) && !process.HasExited && clock.Elapsed < TimeSpan.FromMinutes(2)) Thread.Sleep(2);
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        int committed = Directory.GetFiles(Path.Combine(killed, "state"), "chunk-*.json").Length;
        Assert.True(committed < 150, $"the run finished ({committed} units) before it could be killed; the corpus is too small for this machine");
        Assert.False(File.Exists(Path.Combine(killed, "manifest.json")) && JsonDocument.Parse(File.ReadAllText(Path.Combine(killed, "manifest.json"))).RootElement.GetProperty("complete").GetBoolean());

        var resumed = CliProcess.Run("data", "run", "--config", config, "--out", killed);
        Assert.True(resumed.ExitCode == 0, resumed.Output + resumed.Error);
        foreach (string split in new[] { "train", "validation" })
            Assert.Equal(Lines(Path.Combine(dir, "whole"), split), Lines(killed, split));
    }

    private static List<string> Lines(string output, string split) =>
        Directory.GetFiles(Path.Combine(output, "shards"), $"{split}-*.jsonl").Where(f => !Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal)
            .SelectMany(File.ReadLines)
            .Select(l => System.Text.RegularExpressions.Regex.Replace(l, "\"ingested_at\":\"[^\"]*\"", ""))
            .ToList();
}
