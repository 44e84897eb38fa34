namespace SharpLM.Cli.Tests;

public class SftVerbTests
{
    private static string ChatFile(string directory, string? badLine = null)
    {
        string path = Path.Combine(directory, "chat.jsonl");
        var lines = Enumerable.Range(0, 12).Select(i => i % 2 == 0
            ? $$"""{"messages": [{"role": "user", "content": "Where is the whale {{i}}?"}, {"role": "assistant", "content": "The whale sails the sea."}]}"""
            : $$"""{"instruction": "Name the captain {{i}}.", "output": "Ahab watches the deck."}""").ToList();
        if (badLine is not null) lines.Insert(1, badLine);
        File.WriteAllLines(path, lines);
        return path;
    }

    [Fact]
    public void Lora_sft_writes_a_peft_adapter_and_a_merged_folder_that_generate_the_same_text()
    {
        string model = TinyModelFolder.Create();
        string root = CliProcess.TempDirectory(), run = Path.Combine(root, "run");
        var sft = CliProcess.Run("sft", "--model", model, "--data", ChatFile(root), "--out", run, "--steps", "3", "--batch-size", "2",
            "--lora-rank", "4", "--learning-rate", "0.01", "--eval-interval", "3", "--checkpoint-interval", "3");
        Assert.True(sft.ExitCode == 0, sft.Error + sft.Output);
        Assert.Contains("held-out loss", sft.Output);
        Assert.True(File.Exists(Path.Combine(run, "adapter", "adapter_config.json")));
        Assert.True(File.Exists(Path.Combine(run, "adapter", "adapter_model.safetensors")));
        Assert.True(File.Exists(Path.Combine(run, "checkpoints", "step-00000003", "adapter_model.safetensors")));
        Assert.Contains("\"event\":\"sft_end\"", File.ReadAllText(Path.Combine(run, "metrics.jsonl")).Replace(" ", ""));

        string[] greedy = ["--prompt", "the whale", "--temperature", "0", "--max-tokens", "8"];
        var withAdapter = CliProcess.Run(["generate", "--model", model, "--adapter", Path.Combine(run, "adapter"), .. greedy]);
        var merged = CliProcess.Run(["generate", "--model", Path.Combine(run, "model"), .. greedy]);
        var plain = CliProcess.Run(["generate", "--model", model, .. greedy]);
        Assert.True(withAdapter.ExitCode == 0, withAdapter.Error);
        Assert.Equal(merged.Output, withAdapter.Output);
        Assert.NotEqual(plain.Output, withAdapter.Output);

        string exported = Path.Combine(root, "exported");
        var export = CliProcess.Run("export", "--model", model, "--merge-lora", Path.Combine(run, "adapter"), "--out", exported);
        Assert.True(export.ExitCode == 0, export.Error);
        Assert.Equal(merged.Output, CliProcess.Run(["generate", "--model", exported, .. greedy]).Output);
    }

    [Fact]
    public void Prompt_tuning_sft_writes_a_peft_prompt_adapter_that_generate_applies_and_a_foreign_one_is_refused()
    {
        string model = TinyModelFolder.Create();
        string root = CliProcess.TempDirectory(), run = Path.Combine(root, "run"), adapter = Path.Combine(run, "adapter");
        var sft = CliProcess.Run("sft", "--model", model, "--data", ChatFile(root), "--out", run, "--steps", "3", "--batch-size", "2",
            "--prompt-tuning", "4", "--prompt-tuning-init-text", "The whale", "--eval-interval", "3", "--checkpoint-interval", "3");
        Assert.True(sft.ExitCode == 0, sft.Error + sft.Output);
        Assert.Contains($"prompt-tuning adapter saved to {adapter} (use it with --model {model} --adapter {adapter})", sft.Output);
        Assert.Contains("\"peft_type\": \"PROMPT_TUNING\"", File.ReadAllText(Path.Combine(adapter, "adapter_config.json")));
        Assert.True(File.Exists(Path.Combine(run, "checkpoints", "step-00000003", "adapter_model.safetensors")));
        Assert.False(Directory.Exists(Path.Combine(run, "model")), "prompt tuning leaves the base unchanged: no model folder");

        var generated = CliProcess.Run("generate", "--model", model, "--adapter", adapter, "--prompt", "the whale", "--temperature", "0", "--max-tokens", "4");
        Assert.True(generated.ExitCode == 0, generated.Error);

        string config = Path.Combine(adapter, "adapter_config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"token_dim\": ", "\"token_dim\": 1"));
        var refused = CliProcess.Run("generate", "--model", model, "--adapter", adapter, "--prompt", "the whale");
        Assert.Equal(2, refused.ExitCode);
        Assert.Matches($"^sharplm: error: {System.Text.RegularExpressions.Regex.Escape(config)}: field 'token_dim' is 1[0-9]+; the base model's hidden_size is [0-9]+\\.$", refused.Error.Trim());
    }

    /// <summary>
    /// Trainable tokens alone: every tensor of the fine-tuned folder equals the base's except the chosen embedding
    /// rows, and the PEFT adapter applied by the engine generates what the merged folder does.
    /// </summary>
    [Fact]
    public void Trainable_tokens_sft_changes_only_their_rows_and_the_engine_applies_the_adapter()
    {
        string model = TinyModelFolder.Create();
        string root = CliProcess.TempDirectory(), run = Path.Combine(root, "run"), adapter = Path.Combine(run, "adapter");
        var sft = CliProcess.Run("sft", "--model", model, "--data", ChatFile(root), "--out", run, "--steps", "3", "--batch-size", "2",
            "--trainable-tokens", "<|im_start|>", "<|im_end|>", "--learning-rate", "0.05", "--eval-interval", "3", "--checkpoint-interval", "3");
        Assert.True(sft.ExitCode == 0, sft.Error + sft.Output);
        Assert.Contains("(the embedding rows of 2 tokens)", sft.Output);
        Assert.Contains("\"peft_type\": \"TRAINABLE_TOKENS\"", File.ReadAllText(Path.Combine(adapter, "adapter_config.json")));

        int[] ids = [TinyModelFolder.Tokenizer.Specials["<|im_start|>"], TinyModelFolder.Tokenizer.Specials["<|im_end|>"]];
        int hidden = TinyModelFolder.Config.HiddenSize;
        using (var before = new Core.Formats.Safetensors.SafetensorsReader(Path.Combine(model, "model.safetensors")))
        using (var after = new Core.Formats.Safetensors.SafetensorsReader(Path.Combine(run, "model", "model.safetensors")))
            foreach (var info in before.Tensors)
            {
                float[] a = before.ReadFloat32(info.Name), b = after.ReadFloat32(info.Name);
                if (info.Name != "model.embed_tokens.weight")
                {
                    Assert.True(a.SequenceEqual(b), $"{info.Name} changed");
                    continue;
                }
                for (int row = 0; row < a.Length / hidden; row++)
                {
                    bool same = a.AsSpan(row * hidden, hidden).SequenceEqual(b.AsSpan(row * hidden, hidden));
                    Assert.True(same != ids.Contains(row), $"embedding row {row} {(same ? "did not change" : "changed")}");
                }
            }

        ChatGeneration.AssertAdapterGeneratesAsMerged(model, run);

        var refused = CliProcess.Run("sft", "--model", model, "--data", ChatFile(root), "--out", Path.Combine(root, "run2"), "--trainable-tokens", "the whale sails");
        Assert.Equal(2, refused.ExitCode);
        Assert.Matches("^sharplm: error: option '--trainable-tokens': 'the whale sails' is [0-9]+ tokens, not one; give a single token's text or its id\\.$", refused.Error.Trim());
    }

    /// <summary>LoRA with trainable tokens: one PEFT adapter holding both, merged alike by the run, by export --merge-lora and by the engine; refused for a llama.cpp LoRA GGUF.</summary>
    [Fact]
    public void Lora_with_trainable_tokens_merges_alike_everywhere_and_is_refused_for_a_lora_gguf()
    {
        string model = TinyModelFolder.Create();
        string root = CliProcess.TempDirectory(), run = Path.Combine(root, "run"), adapter = Path.Combine(run, "adapter");
        var sft = CliProcess.Run("sft", "--model", model, "--data", ChatFile(root), "--out", run, "--steps", "3", "--batch-size", "2",
            "--lora-rank", "4", "--trainable-tokens", "<|im_end|>", "--learning-rate", "0.05", "--eval-interval", "3", "--checkpoint-interval", "3");
        Assert.True(sft.ExitCode == 0, sft.Error + sft.Output);
        Assert.Contains("\"trainable_token_indices\"", File.ReadAllText(Path.Combine(adapter, "adapter_config.json")));

        string merged = ChatGeneration.AssertAdapterGeneratesAsMerged(model, run);
        string exported = Path.Combine(root, "exported");
        var export = CliProcess.Run("export", "--model", model, "--merge-lora", adapter, "--out", exported);
        Assert.True(export.ExitCode == 0, export.Error);
        Assert.Equal(merged, ChatGeneration.Generate(exported));

        var gguf = CliProcess.Run("export", "--format", "gguf", "--model", model, "--lora", adapter, "--out", Path.Combine(root, "adapter.gguf"));
        Assert.Equal(2, gguf.ExitCode);
        Assert.Contains("which a llama.cpp LoRA GGUF cannot carry; merge it (export --merge-lora)", gguf.Error);
    }

    /// <summary>QLoRA: the base loads quantized, and model/ is the float32 base with the adapter (and token row) merged, as the engine applies the adapter.</summary>
    [Fact]
    public void Qlora_sft_merges_its_adapter_into_the_float_base()
    {
        string model = TinyModelFolder.Create();
        string root = CliProcess.TempDirectory(), run = Path.Combine(root, "run"), adapter = Path.Combine(run, "adapter");
        var sft = CliProcess.Run("sft", "--model", model, "--data", ChatFile(root), "--out", run, "--steps", "3", "--batch-size", "2",
            "--lora-rank", "4", "--quantize-base", "q8_0", "--trainable-tokens", "<|im_end|>", "--learning-rate", "0.05", "--eval-interval", "3", "--checkpoint-interval", "3");
        Assert.True(sft.ExitCode == 0, sft.Error + sft.Output);
        Assert.Contains("base: projections held as q8_0", sft.Output);
        Assert.NotEqual(ChatGeneration.Generate(model), ChatGeneration.AssertAdapterGeneratesAsMerged(model, run));
    }

    [Fact]
    public void A_bad_data_line_stops_sft_with_file_line_and_field()
    {
        string model = TinyModelFolder.Create();
        string root = CliProcess.TempDirectory();
        string data = ChatFile(root, """{"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt"}]}""");
        var result = CliProcess.Run("sft", "--model", model, "--data", data, "--out", Path.Combine(root, "run"), "--steps", "1");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"sharplm: error: {data}:2: field 'conversations[1].value' is missing.", result.Error);
    }
}
