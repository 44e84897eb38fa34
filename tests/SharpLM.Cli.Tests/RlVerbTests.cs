namespace SharpLM.Cli.Tests;

public class RlVerbTests
{
    [Fact]
    public void A_bad_prompts_line_stops_rl_with_file_line_and_field()
    {
        string model = TinyModelFolder.Create();
        string root = CliProcess.TempDirectory();
        string data = Path.Combine(root, "prompts.jsonl");
        File.WriteAllLines(data, ["""{"prompt": "What is 2+2?", "answer": "4"}""", """{"prompt": 5, "answer": "4"}"""]);
        var result = CliProcess.Run("rl", "--model", model, "--data", data, "--out", Path.Combine(root, "run"), "--steps", "1");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"sharplm: error: {data}:2: field 'prompt' is neither a string nor a non-empty message list.", result.Error);
    }
}
