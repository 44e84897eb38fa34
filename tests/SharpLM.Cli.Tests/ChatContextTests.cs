namespace SharpLM.Cli.Tests;

/// <summary>A conversation that outgrows the model's context keeps the session alive: /reset, or --drop-oldest.</summary>
public class ChatContextTests
{
    private static readonly string LongLine = string.Join(" ", Enumerable.Repeat("whale sea ship", 12));

    [Fact]
    public void A_full_context_skips_the_message_and_reset_starts_over()
    {
        var model = TinyModel.Get();
        // With empty replies each answered turn is one output line: "the whale" and "the sea" are answered, the long line is not.
        var result = CliProcess.RunWithInput($"the whale\n{LongLine}\n/reset\nthe sea\n/exit\n", "chat", "--model", model.Model, "--max-tokens", "0");
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal("\n\n", result.Output);
        Assert.Contains("beyond the model's context of 32", result.Error);
        Assert.Contains("/reset", result.Error);
        Assert.DoesNotContain("sharplm: error", result.Error);
    }

    [Fact]
    public void Drop_oldest_forgets_early_turns_and_answers_every_message()
    {
        var model = TinyModel.Get();
        string[] turns = ["the whale", "the sea", "the ship", "the crew", "the storm", "the deck"];
        string input = string.Concat(turns.Select(t => t + "\n"));
        var kept = CliProcess.RunWithInput(input, "chat", "--model", model.Model, "--max-tokens", "0");
        Assert.True(kept.ExitCode == 0, kept.Error);
        Assert.True(kept.Output.Length < turns.Length, "the turns should outgrow a 32-token context without --drop-oldest");

        var dropping = CliProcess.RunWithInput(input, "chat", "--model", model.Model, "--max-tokens", "0", "--drop-oldest");
        Assert.True(dropping.ExitCode == 0, dropping.Error);
        Assert.Equal(new string('\n', turns.Length), dropping.Output);
        Assert.Equal("", dropping.Error);

        var alone = CliProcess.RunWithInput($"{LongLine}\nthe sea\n", "chat", "--model", model.Model, "--max-tokens", "0", "--drop-oldest");
        Assert.True(alone.ExitCode == 0, alone.Error);
        Assert.Equal("\n", alone.Output);
        Assert.Contains("it was not sent", alone.Error);
    }
}
