using System.Text.Json;

namespace SharpLM.Cli.Tests;

/// <summary>The tokenizer verbs refuse broken tokenizers and options with one line, and say what they did.</summary>
public class TokenizerVerbTests
{
    private static string Documents(int count, int words = 40)
    {
        string path = Path.Combine(CliProcess.TempDirectory(), "docs.jsonl");
        var random = new Random(11);
        string[] vocabulary = ["whale", "sea", "ship", "captain", "harpoon", "storm", "crew", "deck"];
        File.WriteAllLines(path, Enumerable.Range(0, count).Select(i => JsonSerializer.Serialize(new
        {
            id = $"d{i}",
            text = string.Join(" ", Enumerable.Range(0, words).Select(_ => vocabulary[random.Next(vocabulary.Length)])) + ".",
            source = "generated",
            license = "CC0-1.0",
        })));
        return path;
    }

    [Fact]
    public void An_empty_special_token_is_refused_naming_the_option()
    {
        string output = Path.Combine(CliProcess.TempDirectory(), "tokenizer.json");
        var result = CliProcess.Run("tokenizer", "train", "--in", Documents(5), "--out", output, "--vocab-size", "300", "--special-tokens", "");
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("sharplm: error: option --special-tokens: token 1 of 1 is empty", result.Error.Trim());
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void Training_that_runs_out_of_merges_says_so_and_counts_only_the_merges_learned()
    {
        string output = Path.Combine(CliProcess.TempDirectory(), "tokenizer.json");
        var result = CliProcess.Run("tokenizer", "train", "--in", Documents(10, words: 12), "--out", output, "--vocab-size", "4096");
        Assert.True(result.ExitCode == 0, result.Error);
        var tokenizer = JsonDocument.Parse(File.ReadAllText(output));
        int merges = tokenizer.RootElement.GetProperty("model").GetProperty("merges").GetArrayLength();
        Assert.True(merges < 3836, $"expected the corpus to run out of merges, learned {merges}");
        Assert.DoesNotContain("3836/3836", result.Output);
        Assert.Contains($"merge {merges}/3836: merges stopped early, no pair of tokens occurs 2 or more times", result.Output);
        Assert.Contains($"4096 tokens ({4096 - 256 - merges - 4} of them reserved", result.Output);
    }

    private static readonly Lazy<string> Trained = new(() =>
    {
        string output = Path.Combine(CliProcess.TempDirectory(), "tokenizer.json");
        var result = CliProcess.Run("tokenizer", "train", "--in", Documents(40), "--out", output, "--vocab-size", "300");
        Assert.True(result.ExitCode == 0, result.Error);
        return output;
    });

    [Fact]
    public void Built_in_o200k_base_encodes_as_openai_does()
    {
        var result = CliProcess.Run("tokenizer", "encode", "--tokenizer", "o200k_base", "--text", "…, isn't it");
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal("[128942,12471,480]", result.Output.Trim());
    }

    [Fact]
    public void A_tiktoken_file_without_a_pattern_is_refused_and_with_one_encodes_as_its_source()
    {
        string rankFile = Path.Combine(CliProcess.TempDirectory(), "trained.tiktoken");
        Assert.Equal(0, CliProcess.Run("tokenizer", "convert", "--tokenizer", Trained.Value, "--out", rankFile).ExitCode);

        var refused = CliProcess.Run("tokenizer", "encode", "--tokenizer", rankFile, "--text", "the whale");
        Assert.Equal(2, refused.ExitCode);
        Assert.StartsWith($"sharplm: error: {rankFile}: a .tiktoken file records no pre-tokenizer; give one with --pattern", refused.Error.Trim());

        var viaRanks = CliProcess.Run("tokenizer", "encode", "--tokenizer", rankFile, "--pattern", "gpt2", "--text", "the whale's deck");
        var viaJson = CliProcess.Run("tokenizer", "encode", "--tokenizer", Trained.Value, "--text", "the whale's deck");
        Assert.True(viaRanks.ExitCode == 0, viaRanks.Error);
        Assert.Equal(viaJson.Output, viaRanks.Output);

        var misplaced = CliProcess.Run("tokenizer", "encode", "--tokenizer", Trained.Value, "--pattern", "o200k", "--text", "x");
        Assert.Equal(2, misplaced.ExitCode);
        Assert.Contains("option --pattern applies only to .tiktoken files", misplaced.Error);
    }

    [Fact]
    public void A_tokenizer_with_a_stray_id_far_above_the_rest_gets_a_warning()
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Trained.Value))!;
        json["model"]!["vocab"]!["Ġleviathan"] = 1_000_000;
        string path = Path.Combine(CliProcess.TempDirectory(), "tokenizer.json");
        File.WriteAllText(path, json.ToJsonString());

        var result = CliProcess.Run("tokenizer", "encode", "--tokenizer", path, "--text", "the whale");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal($"sharplm: warning: {path}: only 301 of the ids 0..1000000 name a token, so a model built on it gets 1000001 embedding rows, " +
                     "999700 of them for ids no token has (the largest id is 1000000, 'Ġleviathan').", result.Error.Trim());
        Assert.Empty(CliProcess.Run("tokenizer", "encode", "--tokenizer", Trained.Value, "--text", "the whale").Error);
    }

    [Fact]
    public void Audit_takes_the_pattern_for_its_tiktoken_files_only()
    {
        string dir = CliProcess.TempDirectory();
        string rankFile = Path.Combine(dir, "trained.tiktoken");
        Assert.Equal(0, CliProcess.Run("tokenizer", "convert", "--tokenizer", Trained.Value, "--out", rankFile).ExitCode);
        string documents = Documents(3);

        var audit = CliProcess.Run("tokenizer", "audit", "--tokenizer", Trained.Value, rankFile, "--pattern", "gpt2", "--in", documents);
        Assert.True(audit.ExitCode == 0, audit.Error);
        var refused = CliProcess.Run("tokenizer", "audit", "--tokenizer", Trained.Value, "--pattern", "gpt2", "--in", documents);
        Assert.Equal(2, refused.ExitCode);
        Assert.Equal("sharplm: error: option --pattern applies only to .tiktoken files, and none of the --tokenizer values is one.", refused.Error.Trim());
    }
}
