using System.Text.Json.Nodes;

namespace SharpLM.Cli.Tests;

/// <summary>`sharplm redteam memorization` as a user runs it: the report written, and a wrong canaries file reported in one line.</summary>
public class MemorizationVerbTests
{
    private static string Canaries(string folder, string secondSecret)
    {
        string path = Path.Combine(folder, "canaries.json");
        File.WriteAllText(path, $$"""
            {"format": "code NNN", "seed": 0, "shard": "shards/train-canaries.jsonl",
             "canaries": [{"secret": "123", "text": "code 123", "repetitions": 1}, {"secret": "{{secondSecret}}", "text": "code {{secondSecret}}", "repetitions": 4}]}
            """);
        return path;
    }

    [Fact]
    public void A_run_writes_every_canarys_exact_exposure()
    {
        string model = TinyModelFolder.Create();
        string folder = CliProcess.TempDirectory();
        var result = CliProcess.Run("redteam", "memorization", "--model", model, "--canaries", Canaries(folder, "907"), "--out", folder,
            "--pii-samples", "1", "--threads", "1");
        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        var report = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "memorization.json")))!;
        var canaries = report["canaries"]!.AsArray();
        Assert.Equal(["123", "907"], canaries.Select(c => (string)c!["secret"]!));
        Assert.All(canaries, c =>
        {
            Assert.Equal("exact", (string)c!["method"]!);
            Assert.Equal(999, (int)c["candidates"]!);
            // exposure = log2 1000 - log2 rank, for a rank between 1 and 1000
            Assert.Equal(Math.Log2(1000) - Math.Log2((double)c["rank"]!), (double)c["exposure"]!, 9);
            Assert.InRange((double)c["rank"]!, 1, 1000);
        });
        Assert.Equal(10, (int)report["pii_extraction"]!["generations"]!);
        Assert.NotNull(report["exposure_by_repetitions"]!["4"]);
    }

    [Fact]
    public void A_secret_of_the_wrong_length_is_one_line_and_exit_2()
    {
        string folder = CliProcess.TempDirectory();
        string canaries = Canaries(folder, "12");
        var result = CliProcess.Run("redteam", "memorization", "--model", folder, "--canaries", canaries, "--out", folder);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"sharplm: error: {canaries}: field 'canaries[1].secret' must be 3 digits.", result.Error.Trim());
    }
}
