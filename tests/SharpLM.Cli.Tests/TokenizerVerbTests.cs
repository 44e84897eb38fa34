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
}
