using System.Text.Json;

namespace SharpLM.Cli.Tests;

/// <summary>
/// A tokenizer and a one-step Llama model with a 32-token context, made through the verbs once per test run, for
/// tests that need a model folder and a validation shard but not a good model.
/// </summary>
public static class TinyModel
{
    public const int Context = 32;

    public sealed record Files(string Directory, string Tokenizer, string Model, string ValidationShard);

    private static readonly Lazy<Files> Built = new(Build);

    public static Files Get() => Built.Value;

    private static Files Build()
    {
        string dir = CliProcess.TempDirectory();
        string documents = Path.Combine(dir, "docs.jsonl");
        var random = new Random(5);
        string[] words = ["whale", "sea", "ship", "captain", "harpoon", "storm", "crew", "deck"];
        File.WriteAllLines(documents, Enumerable.Range(0, 60).Select(i => JsonSerializer.Serialize(new
        {
            id = $"d{i}", text = string.Join(" ", Enumerable.Range(0, 40).Select(_ => words[random.Next(words.Length)])) + ".",
            source = "generated", license = "CC0-1.0",
        })));
        string tokenizer = Path.Combine(dir, "tokenizer.json");
        Require(CliProcess.Run("tokenizer", "train", "--in", documents, "--out", tokenizer, "--vocab-size", "300"));
        Require(CliProcess.Run("tokenizer", "encode-corpus", "--tokenizer", tokenizer, "--in", documents, "--out-dir", dir, "--val-fraction", "0.2"));
        string config = Path.Combine(dir, "tiny.json");
        File.WriteAllText(config, $$$"""
            {"model": {"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 4, "max_position_embeddings": {{{Context}}}},
             "training": {"steps": 1, "batch_size": 2, "sequence_length": 16, "warmup_steps": 1}}
            """);
        Require(CliProcess.Run("pretrain", "--train", Path.Combine(dir, "train.tok"), "--tokenizer", tokenizer, "--out", Path.Combine(dir, "run"), "--config", config));
        return new Files(dir, tokenizer, Path.Combine(dir, "run", "model"), Path.Combine(dir, "val.tok"));
    }

    private static void Require(CliProcess.Result result)
    {
        if (result.ExitCode != 0) throw new InvalidOperationException($"building the tiny model failed (exit {result.ExitCode}): {result.Error}");
    }
}
