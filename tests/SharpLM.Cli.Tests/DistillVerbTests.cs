namespace SharpLM.Cli.Tests;

public class DistillVerbTests
{
    private static string StudentConfig(string directory)
    {
        string path = Path.Combine(directory, "student.json");
        File.WriteAllText(path, """
            {"model": {"hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2, "max_position_embeddings": 32},
             "training": {"steps": 2, "batch_size": 2, "sequence_length": 16, "warmup_steps": 1, "eval_interval": 2, "eval_batches": 1, "checkpoint_interval": 1, "threads": 1}}
            """);
        return path;
    }

    [Fact]
    public void Distill_trains_a_config_student_and_logs_kd_and_ce_losses()
    {
        var tiny = TinyModel.Get();
        string root = CliProcess.TempDirectory(), run = Path.Combine(root, "run");
        var result = CliProcess.Run("distill", "--teacher", tiny.Model, "--student", StudentConfig(root), "--train", Path.Combine(tiny.Directory, "train.tok"),
            "--val", tiny.ValidationShard, "--out", run, "--top-k", "4");
        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        Assert.Contains("perplexity", result.Output);
        var steps = File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Where(l => l.Contains("\"distill_step\"")).ToList();
        Assert.Equal(2, steps.Count);
        foreach (string name in new[] { "loss", "kd_loss", "ce_loss" }) Assert.Contains($"\"{name}\":", steps[0]);
        Assert.Contains(File.ReadAllLines(Path.Combine(run, "metrics.jsonl")), l => l.Contains("\"distill_end\"") && l.Contains("\"val_perplexity\":"));
        Assert.True(File.Exists(Path.Combine(run, "model", "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(run, "checkpoints", "step-00000002", "trainer_state.json")));
    }

    [Fact]
    public void A_student_with_another_vocabulary_is_refused_naming_both_tokenizer_files()
    {
        var tiny = TinyModel.Get();
        string other = TinyModelFolder.Create(); // its own tokenizer, trained on other text
        string root = CliProcess.TempDirectory();
        var result = CliProcess.Run("distill", "--teacher", tiny.Model, "--student", other, "--train", Path.Combine(tiny.Directory, "train.tok"),
            "--out", Path.Combine(root, "run"), "--steps", "1");
        Assert.Equal(2, result.ExitCode);
        string line = Assert.Single(result.Error.Split('\n'), l => l.StartsWith("sharplm: error:"));
        Assert.Contains(Path.Combine(tiny.Model, "tokenizer.json"), line);
        Assert.Contains(Path.Combine(other, "tokenizer.json"), line);
        Assert.Contains("different vocabularies", line);
    }

    [Theory]
    [InlineData("--top-k", "0", "option --top-k must be at least 1, got 0")]
    [InlineData("--alpha", "1.5", "option --alpha must be between 0 and 1, got 1.5")]
    [InlineData("--alpha", "-0.1", "option --alpha must be between 0 and 1, got -0.1")]
    [InlineData("--temperature", "0", "--temperature is 0; it must be a positive number.")]
    [InlineData("--top-k", "300", "--top-k is 300; it must be below the vocabulary size (300)")]
    public void Bad_distillation_settings_stop_with_one_line_and_exit_code_2(string option, string value, string message)
    {
        var tiny = TinyModel.Get();
        string root = CliProcess.TempDirectory();
        var result = CliProcess.Run("distill", "--teacher", tiny.Model, "--student", StudentConfig(root), "--train", Path.Combine(tiny.Directory, "train.tok"),
            "--out", Path.Combine(root, "run"), option, value);
        Assert.Equal(2, result.ExitCode);
        string line = Assert.Single(result.Error.Split('\n'), l => l.StartsWith("sharplm: error:"));
        Assert.Contains(message, line);
    }
}
