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

    /// <summary>
    /// A two-step <c>rl</c> run of a tiny model on two prompts with answers, with <paramref name="options"/> added
    /// ("{data}" stands for the prompts file).
    /// </summary>
    private static (CliProcess.Result Result, string Model, string Run, string Data) TwoStepRun(params string[] options)
    {
        string model = TinyModelFolder.Create();
        string root = CliProcess.TempDirectory(), run = Path.Combine(root, "run");
        string data = Path.Combine(root, "prompts.jsonl");
        File.WriteAllLines(data, ["""{"prompt": "the whale", "answer": "sails"}""", """{"prompt": "the ship", "answer": "calm"}"""]);
        var result = CliProcess.Run(["rl", "--model", model, "--data", data, "--out", run, "--steps", "2", "--batch-size", "2", "--group-size", "2",
            "--max-new-tokens", "4", "--checkpoint-interval", "0", "--threads", "1", .. options.Select(o => o == "{data}" ? data : o)]);
        return (result, model, run, data);
    }

    /// <summary>RL training LoRA and a token's row: the adapter carries both, and the engine applying it generates what the run's merged model does.</summary>
    [Fact]
    public void Rl_with_lora_and_trainable_tokens_writes_one_adapter_the_engine_applies_as_merged()
    {
        var (result, model, run, _) = TwoStepRun("--lora-rank", "4", "--trainable-tokens", "<|im_end|>", "--learning-rate", "0.05");
        string adapter = Path.Combine(run, "adapter");
        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        Assert.Contains("and the embedding rows of 1 tokens)", result.Output);
        Assert.Contains("\"trainable_token_indices\"", File.ReadAllText(Path.Combine(adapter, "adapter_config.json")));
        ChatGeneration.AssertAdapterGeneratesAsMerged(model, run);
    }

    /// <summary>RL prompt tuning: the run writes PEFT's prompt-tuning adapter and no model folder, and measures held-out accuracy with the adapter applied.</summary>
    [Fact]
    public void Rl_with_prompt_tuning_writes_a_prompt_tuning_adapter_and_no_model()
    {
        var (result, model, run, data) = TwoStepRun("--eval-data", "{data}", "--beta", "0.1", "--prompt-tuning", "3");
        string root = Path.GetDirectoryName(run)!, adapter = Path.Combine(run, "adapter");
        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        Assert.Contains("(prompt tuning: 3 virtual tokens, RANDOM init)", result.Output);
        Assert.Contains($"prompt-tuning adapter saved to {adapter}", result.Output);
        Assert.Contains("\"PROMPT_TUNING\"", File.ReadAllText(Path.Combine(adapter, "adapter_config.json")));
        Assert.False(Directory.Exists(Path.Combine(run, "model")));
        Assert.Contains("\"prompt_tuning\"", File.ReadAllText(Path.Combine(run, "metrics.jsonl")) + File.ReadAllText(Path.Combine(run, "report.md")));

        var refused = CliProcess.Run("rl", "--model", model, "--data", data, "--out", Path.Combine(root, "refused"), "--prompt-tuning", "3", "--lora-rank", "4");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("'--prompt-tuning' and '--lora-rank' train different adapters", refused.Error);
    }

    [Theory]
    [InlineData("full")]
    [InlineData("lora")]
    [InlineData("qlora")]
    [InlineData("qlora+tokens")]
    [InlineData("prompt")]
    public void Rl_takes_its_reward_from_a_trained_reward_model_and_reports_the_held_out_mean_reward(string kind)
    {
        string model = TinyModelFolder.Create();
        string root = CliProcess.TempDirectory(), rewardRun = Path.Combine(root, "reward"), run = Path.Combine(root, "run");
        string pairs = Path.Combine(root, "prefs.jsonl"), prompts = Path.Combine(root, "prompts.jsonl");
        File.WriteAllLines(pairs, Enumerable.Range(0, 8).Select(i =>
            $$$"""{"prompt": "the whale {{{i}}}", "chosen": "calm sea", "rejected": "storm storm storm"}"""));
        string[] adapter = kind switch
        {
            "lora" => ["--lora-rank", "4"], "qlora" => ["--lora-rank", "4", "--quantize-base", "q8_0"],
            "qlora+tokens" => ["--lora-rank", "4", "--quantize-base", "q8_0", "--trainable-tokens", "<|im_end|>"],
            "prompt" => ["--prompt-tuning", "2"], _ => [],
        };
        var reward = CliProcess.Run(["reward", "--model", model, "--data", pairs, "--out", rewardRun, "--steps", "2", "--batch-size", "2",
            "--validation-fraction", "0.25", "--eval-interval", "2", "--checkpoint-interval", "0", "--threads", "1", .. adapter]);
        Assert.True(reward.ExitCode == 0, reward.Error + reward.Output);
        // A prompt-tuned reward model is its adapter (virtual tokens cannot be merged); the others write model/.
        Assert.Equal(kind != "prompt", File.Exists(Path.Combine(rewardRun, "model", "reward_head.safetensors")));
        string adapterConfig = Path.Combine(rewardRun, "adapter", "adapter_config.json");
        Assert.Equal(kind != "full", File.Exists(adapterConfig));
        if (kind != "full")
        {
            Assert.Contains("\"task_type\": \"SEQ_CLS\"", File.ReadAllText(adapterConfig));
            Assert.Equal(kind.EndsWith("+tokens"), File.ReadAllText(adapterConfig).Contains("\"trainable_token_indices\": ["));
            Assert.Equal(kind == "prompt", File.ReadAllText(adapterConfig).Contains("\"peft_type\": \"PROMPT_TUNING\""));
            Assert.True(File.Exists(Path.Combine(rewardRun, "adapter", "adapter_model.safetensors")));
            // The adapter scores, it does not generate: generate refuses it with one line naming the file and field.
            var refused = CliProcess.Run("generate", "--model", model, "--adapter", Path.Combine(rewardRun, "adapter"), "--prompt", "the whale");
            Assert.Equal(2, refused.ExitCode);
            Assert.Contains($"{adapterConfig}: field 'task_type' is 'SEQ_CLS'", refused.Error);
        }

        // No "answer" field: a reward model needs none.
        File.WriteAllLines(prompts, ["""{"prompt": "the whale"}""", """{"prompt": [{"role": "user", "content": "the ship"}]}"""]);
        var result = CliProcess.Run("rl", "--model", model, "--data", prompts, "--eval-data", prompts, "--out", run, "--reward", rewardRun,
            "--steps", "2", "--batch-size", "2", "--group-size", "2", "--max-new-tokens", "4", "--checkpoint-interval", "0", "--threads", "1");
        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        Assert.Contains("held-out verifier accuracy n/a before, n/a after; held-out mean reward", result.Output);
        var steps = File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Where(l => l.Contains("\"rl_step\"")).ToList();
        Assert.Equal(2, steps.Count);
        // Reward-model scores are real numbers, not the verifier's 0/1: at least one step's mean reward is neither.
        var rewards = steps.Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("reward").GetDouble()).ToList();
        Assert.Contains(rewards, r => r != 0 && r != 1);
        Assert.Contains("Mean reward-model score", File.ReadAllText(Path.Combine(run, "report.md")));
    }

    [Fact]
    public void A_reward_that_is_neither_the_verifier_nor_a_folder_is_refused()
    {
        string model = TinyModelFolder.Create();
        string root = CliProcess.TempDirectory(), data = Path.Combine(root, "prompts.jsonl");
        File.WriteAllLines(data, ["""{"prompt": "the whale"}"""]);
        var result = CliProcess.Run("rl", "--model", model, "--data", data, "--out", Path.Combine(root, "run"), "--reward", Path.Combine(root, "nowhere"));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("option '--reward' is", result.Error);
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
