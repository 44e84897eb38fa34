using SharpLM.Core.Formats.Documents;
using SharpLM.Core.IO;
using SharpLM.Core.Runs;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Tokenizers.Corpus;
using SharpLM.Tokenizers.HuggingFace;

namespace SharpLM.Cli.Tests;

/// <summary>A run folder has one writer at a time, and survives what killed runs leave in it.</summary>
public class RunFolderTests
{
    private static readonly Lazy<(string Tokenizer, string Train, string Config)> Inputs = new(() =>
    {
        string dir = CliProcess.TempDirectory();
        var random = new Random(5);
        string[] words = ["whale", "sea", "ship", "captain", "harpoon", "storm", "crew", "deck"];
        var documents = Enumerable.Range(0, 80).Select(i => new Document
        {
            Id = $"d{i}", Text = string.Join(" ", Enumerable.Range(0, 30).Select(_ => words[random.Next(words.Length)])) + ".",
            Source = "generated", License = "CC0-1.0",
        }).ToList();
        var tokenizer = BpeTrainer.Train(documents.Select(d => d.Text), new BpeTrainerOptions { VocabularySize = 300 });
        string tokenizerPath = Path.Combine(dir, "tokenizer.json");
        TokenizerJson.Save(tokenizer, tokenizerPath);
        string train = Path.Combine(dir, "train.tok");
        CorpusEncoder.Encode(documents, tokenizer, train, Path.Combine(dir, "val.tok"), validationFraction: 0.1);
        string config = Path.Combine(dir, "pretrain.json");
        File.WriteAllText(config, """
            {"model": {"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 4, "max_position_embeddings": 32},
             "training": {"steps": 2, "batch_size": 2, "sequence_length": 16, "warmup_steps": 1, "checkpoint_interval": 2, "eval_interval": 1000, "threads": 1}}
            """);
        return (tokenizerPath, train, config);
    });

    [Fact]
    public void A_second_pretrain_on_a_claimed_run_folder_is_refused_naming_the_holder()
    {
        string run = CliProcess.TempDirectory();
        using (FolderLock.Acquire(run))
        {
            var result = CliProcess.Run("pretrain", "--train", Inputs.Value.Train, "--tokenizer", Inputs.Value.Tokenizer, "--config", Inputs.Value.Config,
                "--out", run, "--resume");
            Assert.Equal(2, result.ExitCode);
            Assert.StartsWith($"sharplm: error: {run}: another sharplm process is writing to this folder (pid {Environment.ProcessId} on {Environment.MachineName}, started ",
                result.Error.Trim());
            Assert.False(File.Exists(Path.Combine(run, "metrics.jsonl")));
        }
    }

    [Fact]
    public void A_resume_after_a_torn_metrics_line_trains_and_logs_each_step_once()
    {
        string run = CliProcess.TempDirectory();
        string[] common = ["pretrain", "--train", Inputs.Value.Train, "--tokenizer", Inputs.Value.Tokenizer, "--config", Inputs.Value.Config, "--out", run];
        var first = CliProcess.Run([.. common, "--steps", "3"]); // checkpoint at step 2, then step 3 is logged
        Assert.True(first.ExitCode == 0, first.Output + first.Error);
        string metrics = Path.Combine(run, "metrics.jsonl");
        File.AppendAllText(metrics, """{"event":"train_step","time":"2026-01-01T00:00:00Z","st"""); // a run killed mid-line
        int tornLine = File.ReadLines(metrics).Count();
        Directory.Delete(Path.Combine(run, "checkpoints", "step-00000003"), recursive: true); // as if killed before the final checkpoint

        var resumed = CliProcess.Run([.. common, "--steps", "4", "--resume"]);
        Assert.True(resumed.ExitCode == 0, resumed.Output + resumed.Error);
        Assert.Contains($"{metrics}: line {tornLine} is not a complete record", resumed.Output + resumed.Error);
        var steps = MetricsReader.Read(metrics, "train_step").Select(r => r.GetProperty("step").GetInt32()).ToList();
        Assert.Equal([1, 2, 3, 4], steps);
        Assert.True(File.Exists(Path.Combine(run, "loss.png")));
    }

    [Fact]
    public void A_refused_resume_keeps_the_run_folders_config()
    {
        string run = CliProcess.TempDirectory();
        var first = CliProcess.Run("pretrain", "--train", Inputs.Value.Train, "--tokenizer", Inputs.Value.Tokenizer, "--config", Inputs.Value.Config, "--out", run);
        Assert.True(first.ExitCode == 0, first.Output + first.Error);
        string saved = Path.Combine(run, "pretrain.json");
        string before = File.ReadAllText(saved);

        string changed = Path.Combine(CliProcess.TempDirectory(), "changed.json");
        File.WriteAllText(changed, File.ReadAllText(Inputs.Value.Config).Replace("\"warmup_steps\": 1", "\"warmup_steps\": 1, \"learning_rate\": 0.5"));
        var refused = CliProcess.Run("pretrain", "--train", Inputs.Value.Train, "--tokenizer", Inputs.Value.Tokenizer, "--config", changed, "--out", run,
            "--resume", "--steps", "4");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("training field 'learning_rate' differs from the checkpoint's", refused.Error);
        Assert.Equal(before, File.ReadAllText(saved));

        var resumed = CliProcess.Run("pretrain", "--train", Inputs.Value.Train, "--tokenizer", Inputs.Value.Tokenizer, "--out", run, "--resume", "--steps", "4");
        Assert.True(resumed.ExitCode == 0, resumed.Output + resumed.Error);
    }
}
