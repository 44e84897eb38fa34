using SharpLM.Core.Formats.TokenShards;
using SharpLM.Core.Runs;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Tokenizers.Corpus;
using SharpLM.Training.Checkpoints;
using SharpLM.Training.Evaluation;
using SharpLM.Inference.Generation;
using SharpLM.Training.Modeling;
using SharpLM.Training.Pretraining;

namespace SharpLM.Training.Tests;

/// <summary>The whole path in seconds on a generated corpus: tokenizer, shards, pretraining, checkpoint, evaluation, sampling.</summary>
public class EndToEndTests
{
    [Fact]
    public void Training_a_tiny_model_drives_the_loss_well_below_the_unigram_entropy()
    {
        string root = Directory.CreateTempSubdirectory("sharplm-e2e-").FullName;
        var documents = TinyCorpus.Documents();
        var tokenizer = BpeTrainer.Train(documents.Select(d => d.Text), new BpeTrainerOptions { VocabularySize = 320 });
        string trainPath = Path.Combine(root, "train.tok"), validationPath = Path.Combine(root, "val.tok");
        var encoded = CorpusEncoder.Encode(documents, tokenizer, trainPath, validationPath, validationFraction: 0.1);
        Assert.True(encoded.ValidationDocuments > 10);

        var config = new ModelShape { HiddenSize = 48, Layers = 2, Heads = 4, MaxPositions = 64 }.ToConfig(tokenizer.VocabularySize, tokenizer.EndOfTextId, "test");
        using var model = CausalLanguageModel.Create(config);
        model.InitializeWeights(1);
        var options = new PretrainOptions { Steps = 120, BatchSize = 8, SequenceLength = 32, LearningRate = 1e-2, WarmupSteps = 10, EvalInterval = 40, EvalBatches = 4, Seed = 1 };
        var trainer = new Pretrainer(model, new PretrainConfig { Training = options });
        using var train = new TokenShardReader(trainPath);
        using var validation = new TokenShardReader(validationPath);
        double initial = trainer.EvaluateLoss(validation);
        var reports = new List<TrainingStepReport>();
        using var metrics = new MetricsWriter(Path.Combine(root, "metrics.jsonl"));
        var summary = trainer.Run(train, validation, runDirectory: null, metrics, reports.Add);

        double entropy = TokenShardStatistics.UnigramEntropy(validation);
        Assert.Equal(120, summary.Steps);
        Assert.True(summary.FinalValidationLoss < initial - 1.5, $"validation loss {summary.FinalValidationLoss} did not fall far enough from {initial}");
        Assert.True(summary.FinalValidationLoss < entropy - 0.5, $"validation loss {summary.FinalValidationLoss} is not well below the unigram entropy {entropy}");
        Assert.True(reports.Take(10).Average(r => r.Loss) > reports.TakeLast(10).Average(r => r.Loss) + 1);
        Assert.Equal(120, MetricsReader.Read(Path.Combine(root, "metrics.jsonl"), "train_step").Count());

        string folder = Path.Combine(root, "model");
        HfCheckpoint.Save(model, tokenizer, folder);
        using var reloaded = HfCheckpoint.Load(folder);
        var perplexity = PerplexityEvaluator.Evaluate(reloaded, validation, contextLength: 32);
        Assert.InRange(perplexity.MeanNegativeLogLikelihood, 0, entropy - 0.5);

        string sample = TorchGenerator.Generate(reloaded, tokenizer, "Ahab", new SamplingOptions { MaxNewTokens = 20, Temperature = 0, Seed = 1 });
        string again = TorchGenerator.Generate(reloaded, tokenizer, "Ahab", new SamplingOptions { MaxNewTokens = 20, Temperature = 0, Seed = 1 });
        Assert.Equal(sample, again);
        Assert.Matches(@"(Ahab|Ishmael|Queequeg|Starbuck|Stubb|watches|follows|calls|greets|fears)", sample);
        Directory.Delete(root, recursive: true);
    }
}
