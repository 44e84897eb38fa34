using SharpLM.Core.Formats.Documents;
using SharpLM.Core.Formats.TokenShards;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Tokenizers.Corpus;
using SharpLM.Training.Pretraining;

namespace SharpLM.Training.Tests;

/// <summary>A generated corpus, its tokenizer and shards, built once per test run.</summary>
public static class TinyCorpus
{
    private static readonly Lazy<(BpeTokenizer Tokenizer, string Train, string Validation)> Built = new(Build);

    public static BpeTokenizer Tokenizer => Built.Value.Tokenizer;
    public static string TrainShard => Built.Value.Train;
    public static string ValidationShard => Built.Value.Validation;

    public static List<Document> Documents()
    {
        var random = new Random(17);
        string[] names = ["Ahab", "Ishmael", "Queequeg", "Starbuck", "Stubb"];
        string[] verbs = ["watches", "follows", "calls", "greets", "fears"];
        return Enumerable.Range(0, 400).Select(i => new Document
        {
            Id = $"gen/{i}",
            Text = string.Join(" ", Enumerable.Range(0, 8).Select(_ =>
                $"{names[random.Next(names.Length)]} {verbs[random.Next(verbs.Length)]} {names[random.Next(names.Length)]}.")),
            Source = "generated",
            License = "CC0-1.0",
        }).ToList();
    }

    private static (BpeTokenizer, string, string) Build()
    {
        string root = Directory.CreateTempSubdirectory("sharplm-corpus-").FullName;
        var documents = Documents();
        var tokenizer = BpeTrainer.Train(documents.Select(d => d.Text), new BpeTrainerOptions { VocabularySize = 320 });
        string train = Path.Combine(root, "train.tok"), validation = Path.Combine(root, "val.tok");
        CorpusEncoder.Encode(documents, tokenizer, train, validation, validationFraction: 0.1);
        return (tokenizer, train, validation);
    }

    public static PretrainConfig Config(int steps, int checkpointInterval = 0, int keep = 2) => new()
    {
        Model = new ModelShape { HiddenSize = 32, Layers = 2, Heads = 4, KeyValueHeads = 2, MaxPositions = 32 },
        Training = new PretrainOptions
        {
            Steps = steps, BatchSize = 4, SequenceLength = 16, LearningRate = 1e-2, WarmupSteps = 3, EvalInterval = 1000,
            EvalBatches = 2, Seed = 5, CheckpointInterval = checkpointInterval, KeepCheckpoints = keep,
        },
    };
}
