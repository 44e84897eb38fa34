namespace SharpLM.Cli.Tests;

public class DpoVerbTests
{
    private static string Pairs(string root)
    {
        string path = Path.Combine(root, "prefs.jsonl");
        File.WriteAllLines(path, Enumerable.Range(0, 8).Select(i =>
            $$$"""{"prompt": "the whale {{{i}}}", "chosen": "calm sea", "rejected": "storm storm storm"}"""));
        return path;
    }

    [Fact]
    public void Prompt_tuning_dpo_writes_a_peft_prompt_adapter_over_the_unchanged_base()
    {
        string model = TinyModelFolder.Create();
        string root = CliProcess.TempDirectory(), run = Path.Combine(root, "run"), adapter = Path.Combine(run, "adapter");
        var dpo = CliProcess.Run("dpo", "--model", model, "--data", Pairs(root), "--out", run, "--steps", "3", "--batch-size", "2",
            "--prompt-tuning", "4", "--validation-fraction", "0.25", "--eval-interval", "3", "--checkpoint-interval", "3", "--threads", "1");
        Assert.True(dpo.ExitCode == 0, dpo.Error + dpo.Output);
        Assert.Contains($"prompt-tuning adapter saved to {adapter} (use it with --model {model} --adapter {adapter})", dpo.Output);
        Assert.Contains("\"peft_type\": \"PROMPT_TUNING\"", File.ReadAllText(Path.Combine(adapter, "adapter_config.json")));
        Assert.False(Directory.Exists(Path.Combine(run, "model")), "prompt tuning leaves the base unchanged: no model folder");
        Assert.Contains("\"dpo_step\"", File.ReadAllText(Path.Combine(run, "metrics.jsonl")));
        var generated = CliProcess.Run("generate", "--model", model, "--adapter", adapter, "--prompt", "the whale", "--temperature", "0", "--max-tokens", "4");
        Assert.True(generated.ExitCode == 0, generated.Error);
    }

    [Fact]
    public void Prompt_tuning_beside_lora_is_refused_in_one_line()
    {
        string model = TinyModelFolder.Create();
        string root = CliProcess.TempDirectory();
        var result = CliProcess.Run("dpo", "--model", model, "--data", Pairs(root), "--out", Path.Combine(root, "run"), "--prompt-tuning", "4", "--lora-rank", "4");
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("sharplm: error: dpo: options '--prompt-tuning' and '--lora-rank' train different adapters; choose one.", result.Error.Trim());
    }

    /// <summary>DPO training LoRA and one token's row: the adapter carries both, and the engine applying it generates what the run's merged model does.</summary>
    [Fact]
    public void Dpo_with_lora_and_trainable_tokens_writes_one_adapter_the_engine_applies_as_merged()
    {
        string model = TinyModelFolder.Create();
        string root = CliProcess.TempDirectory(), run = Path.Combine(root, "run"), adapter = Path.Combine(run, "adapter");
        var dpo = CliProcess.Run("dpo", "--model", model, "--data", Pairs(root), "--out", run, "--steps", "3", "--batch-size", "2", "--lora-rank", "4",
            "--trainable-tokens", "<|im_end|>", "--learning-rate", "0.05", "--validation-fraction", "0.25", "--eval-interval", "3", "--checkpoint-interval", "3", "--threads", "1");
        Assert.True(dpo.ExitCode == 0, dpo.Error + dpo.Output);
        Assert.Contains("and the embedding rows of 1 tokens)", dpo.Output);
        Assert.Contains("\"trainable_token_indices\"", File.ReadAllText(Path.Combine(adapter, "adapter_config.json")));
        ChatGeneration.AssertAdapterGeneratesAsMerged(model, run);

        var refused = CliProcess.Run("dpo", "--model", model, "--data", Pairs(root), "--out", Path.Combine(root, "run2"), "--prompt-tuning", "4", "--trainable-tokens", "<|im_end|>");
        Assert.Equal(2, refused.ExitCode);
        Assert.Equal("sharplm: error: dpo: options '--trainable-tokens' and '--prompt-tuning' train different adapters; choose one.", refused.Error.Trim());
    }
}
