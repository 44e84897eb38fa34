namespace SharpLM.Cli.Tests;

public class RlVerbTests
{
    [Fact]
    public void Rl_trains_writes_trl_metrics_and_measures_held_out_accuracy()
    {
        string model = TinyModelFolder.Create();
        string root = CliProcess.TempDirectory(), run = Path.Combine(root, "run");
        string data = Path.Combine(root, "prompts.jsonl");
        File.WriteAllLines(data, ["""{"prompt": "the whale", "answer": "sails"}""", """{"prompt": [{"role": "user", "content": "the ship"}], "chosen": "calm"}"""]);
        var result = CliProcess.Run("rl", "--model", model, "--data", data, "--eval-data", data, "--out", run, "--steps", "2", "--batch-size", "2",
            "--group-size", "2", "--max-new-tokens", "4", "--checkpoint-interval", "1", "--threads", "1");
        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        Assert.Contains("held-out verifier accuracy", result.Output);
        var steps = File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Where(l => l.Contains("\"rl_step\"")).ToList();
        Assert.Equal(2, steps.Count);
        foreach (string name in new[] { "reward", "reward_std", "kl", "completions/mean_length", "clip_ratio", "loss" })
            Assert.Contains($"\"{name}\":", steps[0]);
        Assert.True(File.Exists(Path.Combine(run, "model", "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(run, "checkpoints", "step-00000002", "trainer_state.json")));
        Assert.False(Directory.Exists(Path.Combine(run, "policy-snapshot")));
    }

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
