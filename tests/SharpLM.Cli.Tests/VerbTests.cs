using System.Text.Json;

namespace SharpLM.Cli.Tests;

/// <summary>Each verb runs on small generated files; bad input gets one line naming the file and the problem.</summary>
public class VerbTests
{
    private static readonly Lazy<string> TrainedTokenizer = new(() =>
    {
        string dir = CliProcess.TempDirectory();
        string documents = Path.Combine(dir, "docs.jsonl");
        var random = new Random(3);
        string[] words = ["whale", "sea", "ship", "captain", "harpoon", "storm", "crew", "deck"];
        File.WriteAllLines(documents, Enumerable.Range(0, 60).Select(i => JsonSerializer.Serialize(new
        {
            id = $"d{i}",
            text = string.Join(" ", Enumerable.Range(0, 40).Select(_ => words[random.Next(words.Length)])) + ".",
            source = "generated",
            license = "CC0-1.0",
        })));
        string tokenizer = Path.Combine(dir, "tokenizer.json");
        var result = CliProcess.Run("tokenizer", "train", "--in", documents, "--out", tokenizer, "--vocab-size", "300");
        Assert.True(result.ExitCode == 0, result.Error);
        return tokenizer;
    });

    [Fact]
    public void Tokenizer_encode_prints_ids_that_decode_back_to_the_text()
    {
        var encoded = CliProcess.Run("tokenizer", "encode", "--tokenizer", TrainedTokenizer.Value, "--text", "the whale 🐋");
        Assert.Equal(0, encoded.ExitCode);
        int[] ids = JsonSerializer.Deserialize<int[]>(encoded.Output)!;
        Assert.NotEmpty(ids);
        var decoded = CliProcess.Run("tokenizer", "decode", "--tokenizer", TrainedTokenizer.Value, "--ids", encoded.Output.Trim());
        Assert.Equal(0, decoded.ExitCode);
        Assert.Equal("the whale 🐋", decoded.Output.TrimEnd('\n'));
    }

    [Fact]
    public void A_missing_tokenizer_file_is_one_line_naming_it()
    {
        var result = CliProcess.Run("tokenizer", "encode", "--tokenizer", "/no/such/tokenizer.json", "--text", "x");
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("sharplm: error: /no/such/tokenizer.json: tokenizer.json file not found.", result.Error.Trim());
    }

    [Fact]
    public void A_malformed_tokenizer_json_names_the_field()
    {
        string path = Path.Combine(CliProcess.TempDirectory(), "tokenizer.json");
        File.WriteAllText(path, """{"model": {"type": "BPE", "merges": []}}""");
        var result = CliProcess.Run("tokenizer", "decode", "--tokenizer", path, "--ids", "[1]");
        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"sharplm: error: {path}: field 'model.vocab' is missing.", result.Error.Trim());
    }

    [Fact]
    public void Decoding_an_id_outside_the_vocabulary_is_a_clear_error()
    {
        var result = CliProcess.Run("tokenizer", "decode", "--tokenizer", TrainedTokenizer.Value, "--ids", "[1, 99999]");
        Assert.Equal(2, result.ExitCode);
        // The generated corpus runs out of pairs seen twice before 300 tokens: some ids below the specials stay unused.
        Assert.Matches(@"^sharplm: error: token id 99999 is not in the vocabulary \(ids 0\.\.299, \d+ in use\)\.$", result.Error.Trim().Split('\n')[^1]);
        var notJson = CliProcess.Run("tokenizer", "decode", "--tokenizer", TrainedTokenizer.Value, "--ids", "1,2");
        Assert.Equal(2, notJson.ExitCode);
        Assert.Contains("--ids", notJson.Error);
    }

    [Fact]
    public void Generate_on_a_truncated_model_names_the_weights_file()
    {
        string model = CliProcess.TempDirectory();
        File.WriteAllText(Path.Combine(model, "config.json"), """
            {"architectures": ["LlamaForCausalLM"], "vocab_size": 300, "hidden_size": 32, "intermediate_size": 64,
             "num_hidden_layers": 1, "num_attention_heads": 4, "max_position_embeddings": 32}
            """);
        File.Copy(TrainedTokenizer.Value, Path.Combine(model, "tokenizer.json"));
        File.WriteAllBytes(Path.Combine(model, "model.safetensors"), [16, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'}']);
        var result = CliProcess.Run("generate", "--model", model, "--prompt", "the");
        Assert.Equal(2, result.ExitCode);
        string weights = Path.Combine(model, "model.safetensors");
        Assert.EndsWith($"sharplm: error: {weights}: not a valid safetensors file: header claims 16 bytes but the file has only 2 after the length (truncated?).", result.Error.Trim());
    }

    [Fact]
    public void Export_names_an_unknown_weight_format_and_a_missing_model()
    {
        string dir = CliProcess.TempDirectory();
        var format = CliProcess.Run("export", "--quantize", "q5", "--model", dir, "--out", Path.Combine(dir, "out"));
        Assert.Equal(2, format.ExitCode);
        Assert.Equal("sharplm: error: unknown weight format 'q5': expected fp32, bf16, q8_0 or q4.", format.Error.Trim());
        string missing = Path.Combine(dir, "nothing");
        var model = CliProcess.Run("export", "--quantize", "q4", "--model", missing, "--out", Path.Combine(dir, "out"));
        Assert.Equal(2, model.ExitCode);
        Assert.Equal($"sharplm: error: {missing}: model directory not found.", model.Error.Trim()); // the one message every verb gives
    }

    [Fact]
    public void Pretrain_with_a_missing_shard_names_it()
    {
        string dir = CliProcess.TempDirectory();
        var result = CliProcess.Run("pretrain", "--train", Path.Combine(dir, "train.tok"), "--tokenizer", TrainedTokenizer.Value, "--out", Path.Combine(dir, "run"));
        Assert.Equal(2, result.ExitCode);
        Assert.EndsWith($"sharplm: error: {Path.Combine(dir, "train.tok")}: token shard not found.", result.Error.Trim());
    }

    [Fact]
    public void A_bad_pretrain_config_names_the_field()
    {
        string dir = CliProcess.TempDirectory();
        string config = Path.Combine(dir, "config.json");
        File.WriteAllText(config, """{"training": {"steps": -5}}""");
        var result = CliProcess.Run("pretrain", "--train", "x.tok", "--tokenizer", TrainedTokenizer.Value, "--out", dir, "--config", config);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"sharplm: error: {config}: field 'steps' must be positive.", result.Error.Trim());
    }

    [Fact]
    public void Data_clean_reports_a_broken_line_with_its_number()
    {
        string dir = CliProcess.TempDirectory();
        string documents = Path.Combine(dir, "docs.jsonl");
        File.WriteAllText(documents, "{\"id\":\"a\",\"text\":\"fine\",\"source\":\"s\",\"license\":\"l\"}\n{broken\n");
        var result = CliProcess.Run("data", "clean", "--in", documents, "--out", Path.Combine(dir, "clean.jsonl"));
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"sharplm: error: {documents}:2: not a valid document", result.Error.Trim());
        Assert.False(File.Exists(Path.Combine(dir, "clean.jsonl")));
    }

    [Theory]
    [InlineData("quickstart")]
    [InlineData("tokenizer", "train")]
    [InlineData("tokenizer", "encode")]
    [InlineData("tokenizer", "decode")]
    [InlineData("tokenizer", "encode-corpus")]
    [InlineData("data", "fetch")]
    [InlineData("pretrain")]
    [InlineData("generate")]
    [InlineData("eval", "perplexity")]
    [InlineData("export")]
    public void Every_verb_has_help(params string[] verb)
    {
        var result = CliProcess.Run([.. verb, "--help"]);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Usage:", result.Output);
        Assert.Contains("--", result.Output);
    }

    [Fact]
    public void Built_in_cl100k_base_encodes_as_openai_does()
    {
        var result = CliProcess.Run("tokenizer", "encode", "--tokenizer", "cl100k_base", "--text", "hello world");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("[15339,1917]", result.Output.Trim());
    }

    [Fact]
    public void Audit_and_convert_run_on_a_trained_tokenizer()
    {
        string dir = CliProcess.TempDirectory();
        string documents = Path.Combine(dir, "docs.jsonl");
        File.WriteAllText(documents, "{\"id\":\"sea/1\",\"text\":\"the whale and the sea\",\"source\":\"s\",\"license\":\"l\"}\n");
        var audit = CliProcess.Run("tokenizer", "audit", "--tokenizer", TrainedTokenizer.Value, "cl100k_base", "--in", documents);
        Assert.True(audit.ExitCode == 0, audit.Error);
        Assert.Contains("cl100k_base", audit.Output);
        Assert.Contains("sea", audit.Output);

        string rankFile = Path.Combine(dir, "t.tiktoken");
        var convert = CliProcess.Run("tokenizer", "convert", "--tokenizer", TrainedTokenizer.Value, "--out", rankFile);
        Assert.True(convert.ExitCode == 0, convert.Error);
        var viaTiktoken = CliProcess.Run("tokenizer", "encode", "--tokenizer", rankFile, "--pattern", "gpt2", "--text", "the whale");
        var viaJson = CliProcess.Run("tokenizer", "encode", "--tokenizer", TrainedTokenizer.Value, "--text", "the whale");
        Assert.Equal(viaJson.Output, viaTiktoken.Output);
    }

    [Fact]
    public void The_training_verbs_chain_pretrain_resume_init_from_generate_and_eval()
    {
        string dir = CliProcess.TempDirectory();
        string documents = Path.Combine(Path.GetDirectoryName(TrainedTokenizer.Value)!, "docs.jsonl");
        var encode = CliProcess.Run("tokenizer", "encode-corpus", "--tokenizer", TrainedTokenizer.Value, "--in", documents, "--out-dir", dir, "--val-fraction", "0.2");
        Succeeded(encode);
        string config = Path.Combine(dir, "tiny.json");
        File.WriteAllText(config, """
            {"model": {"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 4, "max_position_embeddings": 32},
             "training": {"steps": 4, "batch_size": 2, "sequence_length": 16, "eval_interval": 2, "checkpoint_interval": 2, "warmup_steps": 1}}
            """);
        string[] shards = ["--train", Path.Combine(dir, "train.tok"), "--val", Path.Combine(dir, "val.tok"), "--tokenizer", TrainedTokenizer.Value];
        string run = Path.Combine(dir, "run");

        var first = CliProcess.Run(["pretrain", .. shards, "--out", run, "--config", config]);
        Succeeded(first);
        foreach (string file in new[] { "model/config.json", "model/model.safetensors", "model/tokenizer.json", "metrics.jsonl", "report.md", "loss.png", "model_config.json", "pretrain.json" })
            Assert.True(File.Exists(Path.Combine(run, file)), $"{file} missing");
        Assert.True(first.Output.Contains("reached step 4"), Describe(first));

        var resumed = CliProcess.Run(["pretrain", .. shards, "--out", run, "--resume", "--steps", "6"]);
        Succeeded(resumed);
        Assert.True(resumed.Output.Contains("reached step 6"), Describe(resumed));

        var initialised = CliProcess.Run(["pretrain", .. shards, "--out", Path.Combine(dir, "run2"), "--config", config, "--init-from", Path.Combine(run, "model"), "--steps", "2"]);
        Succeeded(initialised);
        Assert.True(initialised.Output.Contains("initialised from"), Describe(initialised));

        var generated = CliProcess.Run("generate", "--model", Path.Combine(run, "model"), "--prompt", "the", "--max-tokens", "5", "--temperature", "0");
        Succeeded(generated);
        Assert.True(generated.Output.StartsWith("the", StringComparison.Ordinal), Describe(generated));

        // The model as its own draft: greedy speculative text is the same text; log-probabilities and statistics follow it.
        var speculative = CliProcess.Run("generate", "--model", Path.Combine(run, "model"), "--prompt", "the", "--max-tokens", "5", "--temperature", "0",
            "--draft", Path.Combine(run, "model"), "--draft-tokens", "3", "--logprobs", "2");
        Succeeded(speculative);
        Assert.True(speculative.Output.StartsWith(generated.Output, StringComparison.Ordinal), Describe(speculative));
        Assert.True(speculative.Output.Contains("log-probabilities") && speculative.Output.Contains("draft tokens accepted"), Describe(speculative));

        var perplexity = CliProcess.Run("eval", "perplexity", "--model", Path.Combine(run, "model"), "--data", Path.Combine(dir, "val.tok"), "--context", "16");
        Succeeded(perplexity);
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(perplexity.Output.Split('\n').Last(l => l.Length > 0), @"^perplexity \d+\.\d\d"), Describe(perplexity));
    }

    [Fact]
    public void Chat_answers_each_line_of_input_with_the_engine()
    {
        string dir = CliProcess.TempDirectory();
        string documents = Path.Combine(Path.GetDirectoryName(TrainedTokenizer.Value)!, "docs.jsonl");
        Assert.Equal(0, CliProcess.Run("tokenizer", "encode-corpus", "--tokenizer", TrainedTokenizer.Value, "--in", documents, "--out-dir", dir).ExitCode);
        string config = Path.Combine(dir, "tiny.json");
        File.WriteAllText(config, """{"model": {"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 4, "max_position_embeddings": 64}, "training": {"steps": 2, "batch_size": 2, "sequence_length": 16, "warmup_steps": 1}}""");
        var trained = CliProcess.Run("pretrain", "--train", Path.Combine(dir, "train.tok"), "--tokenizer", TrainedTokenizer.Value, "--out", Path.Combine(dir, "run"), "--config", config);
        Assert.True(trained.ExitCode == 0, trained.Error);

        string model = Path.Combine(dir, "run", "model");
        const string input = "the whale\n/reset\n\nthe sea\n/exit\nnever read\n";
        // With empty replies, each answered turn is exactly one line: two user lines before /exit, two lines out.
        var silent = CliProcess.RunWithInput(input, "chat", "--model", model, "--max-tokens", "0", "--system", "Be brief.");
        Assert.True(silent.ExitCode == 0, silent.Error);
        Assert.Equal("\n\n", silent.Output);

        var talking = CliProcess.RunWithInput(input, "chat", "--model", model, "--max-tokens", "4", "--temperature", "0");
        Assert.True(talking.ExitCode == 0, talking.Error);
        Assert.True(talking.Output.Length > 2, "the model produced no reply text");
        Assert.DoesNotContain("sharplm: error", talking.Error);
    }

    /// <summary>GPT-2 runs on the C# engine too: chat, which has no TorchSharp path, answers with a GPT-2 model.</summary>
    [Fact]
    public void A_gpt2_model_generates_and_chats_on_the_engine()
    {
        string dir = CliProcess.TempDirectory();
        string documents = Path.Combine(Path.GetDirectoryName(TrainedTokenizer.Value)!, "docs.jsonl");
        Assert.Equal(0, CliProcess.Run("tokenizer", "encode-corpus", "--tokenizer", TrainedTokenizer.Value, "--in", documents, "--out-dir", dir).ExitCode);
        string config = Path.Combine(dir, "tiny.json");
        File.WriteAllText(config, """{"model": {"architecture": "gpt2", "hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 4, "max_position_embeddings": 64}, "training": {"steps": 2, "batch_size": 2, "sequence_length": 16, "warmup_steps": 1}}""");
        var trained = CliProcess.Run("pretrain", "--train", Path.Combine(dir, "train.tok"), "--tokenizer", TrainedTokenizer.Value, "--out", Path.Combine(dir, "run"), "--config", config);
        Succeeded(trained);
        string model = Path.Combine(dir, "run", "model");
        Assert.Contains("\"gpt2\"", File.ReadAllText(Path.Combine(model, "config.json")));

        var generated = CliProcess.Run("generate", "--model", model, "--prompt", "the", "--max-tokens", "5", "--temperature", "0");
        Succeeded(generated);
        Assert.True(generated.Output.StartsWith("the", StringComparison.Ordinal), Describe(generated));

        var chat = CliProcess.RunWithInput("the whale\n/exit\n", "chat", "--model", model, "--max-tokens", "4", "--temperature", "0");
        Succeeded(chat);
        Assert.True(chat.Output.Length > 1, Describe(chat));
    }

    [Fact]
    public void Generate_with_a_bad_schema_or_pattern_names_the_file_and_path_or_the_position()
    {
        string schema = Path.Combine(CliProcess.TempDirectory(), "schema.json");
        File.WriteAllText(schema, """{"type": "object", "properties": {"tags": {"type": "array", "items": {"type": "strng"}}}}""");
        var badSchema = CliProcess.Run("generate", "--model", "/no/such/model", "--json-schema", schema);
        Assert.Equal(2, badSchema.ExitCode);
        Assert.Equal($"sharplm: error: {schema}: $.properties.tags.items.type: unknown type \"strng\" (expected object, array, string, number, integer, boolean or null).",
            badSchema.Error.Trim());

        var badPattern = CliProcess.Run("generate", "--model", "/no/such/model", "--regex", "[0-9]{2,1}");
        Assert.Equal(2, badPattern.ExitCode);
        Assert.Equal("sharplm: error: regular expression '[0-9]{2,1}': repetition {2,1} has its maximum below its minimum at position 5.", badPattern.Error.Trim());
    }

    private static string Describe(CliProcess.Result result) => $"exit {result.ExitCode}\nstdout:\n{result.Output}\nstderr:\n{result.Error}";

    private static void Succeeded(CliProcess.Result result) => Assert.True(result.ExitCode == 0, Describe(result));
}
