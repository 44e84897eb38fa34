namespace SharpLM.Cli.Tests;

/// <summary>Numeric options are checked before any work, with the option named; windows are checked against the model.</summary>
public class OptionValidationTests
{
    [Theory]
    [InlineData("option --context must be at least 1, got 0 (see 'sharplm eval perplexity --help').", "--context", "0")]
    [InlineData("option --context must be at least 1, got -5 (see 'sharplm eval perplexity --help').", "--context", "-5")]
    [InlineData("option --max-tokens must be at least 1, got 0 (see 'sharplm eval perplexity --help').", "--max-tokens", "0")]
    [InlineData("option --context 100000 is longer than the model's context of 32 tokens.", "--context", "100000")]
    [InlineData("option --max-tokens 8 is less than one window of 16 tokens; raise it or lower --context.", "--context", "16", "--max-tokens", "8")]
    [InlineData("option --max-tokens 8 is less than one window of 32 tokens; raise it or lower --context.", "--max-tokens", "8")]
    public void Eval_perplexity_refuses_windows_that_score_nothing_or_overrun_the_model(string message, params string[] options)
    {
        var model = TinyModel.Get();
        var result = CliProcess.Run(["eval", "perplexity", "--model", model.Model, "--data", model.ValidationShard, .. options]);
        Assert.Equal(2, result.ExitCode);
        // Loading libtorch may print a note of its own first; the error is the last line.
        Assert.Equal($"sharplm: error: {message}", result.Error.Trim().Split('\n')[^1]);
    }

    [Fact]
    public void Export_validation_checks_its_window_before_writing_anything()
    {
        var model = TinyModel.Get();
        string output = Path.Combine(CliProcess.TempDirectory(), "q8");
        string[] export = ["export", "--model", model.Model, "--out", output, "--quantize", "q8_0", "--validation", model.ValidationShard];

        var negative = CliProcess.Run([.. export, "--max-tokens", "-1"]);
        Assert.Equal(2, negative.ExitCode);
        Assert.Equal("sharplm: error: option --max-tokens must be at least 1, got -1 (see 'sharplm export --help').", negative.Error.Trim());

        var tooLong = CliProcess.Run([.. export, "--context", "100000"]);
        Assert.Equal(2, tooLong.ExitCode);
        Assert.Equal("sharplm: error: option --context 100000 is longer than the model's context of 32 tokens.", tooLong.Error.Trim());
        Assert.False(Directory.Exists(output));
    }

    [Theory]
    [InlineData("option --threads must be at least 1, got 0 (see 'sharplm data run --help').", "data", "run", "--config", "c.json", "--out", "o", "--threads", "0")]
    [InlineData("option --steps must be at least 1, got 0 (see 'sharplm quickstart --help').", "quickstart", "--out", "o", "--steps", "0")]
    [InlineData("option --steps must be at least 1, got -1 (see 'sharplm pretrain --help').", "pretrain", "--train", "t", "--tokenizer", "t", "--out", "o", "--steps", "-1")]
    [InlineData("option --draft-tokens must be at least 1, got 0 (see 'sharplm generate --help').", "generate", "--model", "m", "--draft", "d", "--draft-tokens", "0")]
    [InlineData("option --min-frequency must be at least 1, got -3 (see 'sharplm tokenizer train --help').", "tokenizer", "train", "--in", "d", "--out", "t", "--min-frequency", "-3")]
    [InlineData("option --threads values must each be at least 1, got 0 (see 'sharplm bench generate --help').", "bench", "generate", "--threads", "2", "0")]
    [InlineData("option --prompt-tokens must be between 1 and 256, got 999 (see 'sharplm bench generate --help').", "bench", "generate", "--prompt-tokens", "999")]
    [InlineData("option --max-length must be at least 2, got 1 (see 'sharplm eval run --help').", "eval", "run", "--endpoint", "http://127.0.0.1:9", "--tasks", "t.yaml", "--out", "o", "--max-length", "1")]
    [InlineData("option --timeout must be at least 1, got 0 (see 'sharplm eval run --help').", "eval", "run", "--endpoint", "http://127.0.0.1:9", "--tasks", "t.yaml", "--out", "o", "--timeout", "0")]
    public void Out_of_range_numbers_are_refused_rather_than_clamped(string message, params string[] arguments)
    {
        var result = CliProcess.Run(arguments);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"sharplm: error: {message}", result.Error.Trim());
    }

    [Fact]
    public void An_output_file_that_is_a_directory_is_refused_before_the_work()
    {
        var model = TinyModel.Get();
        string documents = Path.Combine(model.Directory, "docs.jsonl");
        string folder = CliProcess.TempDirectory();
        foreach (string[] verb in new[] { new[] { "tokenizer", "train", "--vocab-size", "300" }, ["data", "clean"] })
        {
            var result = CliProcess.Run([.. verb, "--in", documents, "--out", folder]);
            Assert.Equal(2, result.ExitCode);
            Assert.Equal($"sharplm: error: option --out '{folder}' is a directory; name the file to write.", result.Error.Trim());
            Assert.Equal("", result.Output);
        }
    }

    [Fact]
    public void A_prompt_longer_than_the_context_fails_before_it_is_echoed()
    {
        var model = TinyModel.Get();
        string prompt = string.Join(" ", Enumerable.Repeat("whale sea ship", 20));
        foreach (string[] extra in new[] { Array.Empty<string>(), ["--regex", "[a-z]+"] })
        {
            var result = CliProcess.Run(["generate", "--model", model.Model, "--prompt", prompt, "--max-tokens", "4", .. extra]);
            Assert.Equal(2, result.ExitCode);
            Assert.Equal("", result.Output);
            Assert.Matches(@"^sharplm: error: the prompt is \d+ tokens, longer than the model's context of 32\.$", result.Error.Trim());
        }
    }
}
