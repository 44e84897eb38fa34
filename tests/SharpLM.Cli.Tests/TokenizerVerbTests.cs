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
}
