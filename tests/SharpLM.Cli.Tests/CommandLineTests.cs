namespace SharpLM.Cli.Tests;

/// <summary>Mistakes on the command line itself get the one-line error and exit 2; text options take any text.</summary>
public class CommandLineTests
{
    [Theory]
    [InlineData("Option '--model' is required (see 'sharplm generate --help').", "generate")]
    [InlineData("Unrecognized command or argument '--bogus' (see 'sharplm generate --help').", "generate", "--model", "m", "--bogus")]
    [InlineData("Cannot parse argument 'abc' for option '--max-tokens' as an integer (see 'sharplm generate --help').", "generate", "--model", "m", "--max-tokens", "abc")]
    [InlineData("Cannot parse argument 'hot' for option '--temperature' as a number (see 'sharplm generate --help').", "generate", "--model", "m", "--temperature", "hot")]
    [InlineData("Unrecognized command or argument 'frobnicate' (see 'sharplm --help').", "frobnicate")]
    [InlineData("Unrecognized command or argument 'frob' (see 'sharplm tokenizer --help').", "tokenizer", "frob")]
    [InlineData("Argument 'zip' not recognized. Must be one of: 'gguf', 'safetensors', 'onnx' (see 'sharplm export --help').", "export", "--format", "zip", "-m", "m", "-o", "o")]
    [InlineData("Required argument missing for option: '--text' (see 'sharplm tokenizer encode --help').", "tokenizer", "encode", "-t", "cl100k_base", "--text")]
    public void A_parse_error_is_one_line_and_exit_2(string message, params string[] arguments)
    {
        var result = CliProcess.Run(arguments);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"sharplm: error: {message}", result.Error.Trim());
        Assert.Equal("", result.Output);
    }

    [Fact]
    public void Help_still_exits_0()
    {
        var result = CliProcess.Run("eval", "perplexity", "--help");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("--context", result.Output);
    }

    [Theory]
    [InlineData("@user", "[31,882]")]
    [InlineData("--", "[313]")]
    [InlineData("-h", "[2902]")]
    [InlineData("--model", "[313,2590]")]
    [InlineData("", "[]")]
    public void Text_options_take_any_text_in_every_form(string text, string ids)
    {
        foreach (string[] form in new[] { new[] { "--text", text }, [$"--text={text}"] })
        {
            var result = CliProcess.Run(["tokenizer", "encode", "-t", "cl100k_base", .. form]);
            Assert.True(result.ExitCode == 0, $"{string.Join(" ", form)}: {result.Error}");
            Assert.Equal(ids, result.Output.Trim());
        }
    }
}
