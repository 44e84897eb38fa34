using SharpLM.Cli.Terminal;
using SharpLM.Core.Formats.TokenShards;
using SharpLM.Core.Models;
using SharpLM.Core.Runs;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Training.Benchmarks;
using SharpLM.Training.Checkpoints;
using SharpLM.Training.Modeling;
using SharpLM.Training.Native;
using SharpLM.Training.Pretraining;
using Spectre.Console;

namespace SharpLM.Cli.Stages;

public sealed record PretrainResult(PretrainSummary Summary, double MatmulCeilingGflops, double UnigramEntropy, long Parameters, string ModelDirectory);

/// <summary>
/// Another objective on the same shards in place of next-token prediction (distillation): built from the opened
/// training and validation shards, with its own progress title and a callback after each step for its metrics.
/// </summary>
public sealed record ShardObjective(string Title, Func<TokenShardReader, TokenShardReader?, ITrainingObjective> Create, Action<TrainingStepReport> AfterStep);

/// <summary>Pretraining stage: build the model from a config, train it on token shards, save it in HF layout.</summary>
public static class PretrainStage
{
    public static PretrainResult Run(PretrainConfig config, BpeTokenizer tokenizer, string trainShard, string? validationShard,
        RunFolder run, MetricsWriter? metrics, bool resume = false, string? initFrom = null, GradientSynchronizer? dataParallel = null,
        ShardObjective? objective = null)
    {
        if (objective is not null && dataParallel is not null) throw new ArgumentException("Only next-token pretraining runs data-parallel.", nameof(objective));
        // Data-parallel ranks other than 0 train but write nothing (they get no metrics writer).
        bool writer = dataParallel is not { IsWriter: false };
        TorchRuntime.EnsureLoaded();
        // A resume under an incompatible config is refused before pretrain.json is replaced, so the folder still
        // records the config its checkpoints need.
        if (resume && TrainingCheckpoint.Latest(run.Root) is string checkpoint)
            TrainingCheckpoint.RequireCompatible(checkpoint, TrainingCheckpoint.ReadState(checkpoint), config);
        if (writer) config.Save(run.PretrainConfig);
        foreach (int line in MetricsReader.UnreadableLines(run.Metrics))
            Display.Info($"{run.Metrics}: line {line} is not a complete record (a run was stopped while writing it); it is skipped");

        using var train = new TokenShardReader(trainShard);
        using var validation = validationShard is null ? null : new TokenShardReader(validationShard);
        TokenShardStatistics.RequireIdsBelow(train, tokenizer.VocabularySize);
        if (validation is not null) TokenShardStatistics.RequireIdsBelow(validation, tokenizer.VocabularySize);

        if (config.Training.Threads > 0) TorchSharp.torch.set_num_threads(config.Training.Threads);
        double ceiling = TrainingBenchmark.MatmulGflops(TorchSharp.torch.ScalarType.Float32);
        double entropy = TokenShardStatistics.UnigramEntropy(validation ?? train);
        using var model = CreateModel(config, tokenizer, run, resume, initFrom, writer);
        var modelConfig = model.Config;
        double flopsPerToken = modelConfig.TrainingFlopsPerToken(config.Training.SequenceLength);
        Display.Info($"model: {modelConfig.ModelType}, {modelConfig.ParameterCount / 1e6:F2}M parameters ({modelConfig.NumHiddenLayers} layers, hidden {modelConfig.HiddenSize}, " +
                     $"vocabulary {modelConfig.VocabSize}); {flopsPerToken / 1e6:F1} MFLOP per training token");
        Display.Info($"data: {train.TokenCount:N0} training tokens, {validation?.TokenCount ?? 0:N0} validation tokens; " +
                     $"unigram entropy {entropy:F3} nats/token; matmul ceiling {ceiling:F0} GFLOP/s on {TorchSharp.torch.get_num_threads()} threads");
        if (dataParallel is not null)
            Display.Info($"data parallel: rank {dataParallel.Rank} of {dataParallel.WorldSize}, {config.Training.BatchSize / dataParallel.WorldSize} of the {config.Training.BatchSize} rows of each batch");
        metrics?.Write("pretrain_start", new Dictionary<string, object?>
        {
            ["world_size"] = dataParallel?.WorldSize ?? 1,
            ["parameters"] = modelConfig.ParameterCount, ["flops_per_token"] = flopsPerToken, ["matmul_ceiling_gflops"] = ceiling,
            ["unigram_entropy_nats"] = entropy, ["train_tokens"] = train.TokenCount, ["validation_tokens"] = validation?.TokenCount,
        });

        var trainer = new Pretrainer(model, config) { MatmulCeilingGflops = ceiling, DataParallel = dataParallel };
        if (config.Training.CheckpointInterval == 0)
            Display.Info("training.checkpoint_interval is 0: no checkpoints are written, so this run cannot be resumed");
        var tensorboard = writer ? new TensorBoardLog(run.TensorBoardDirectory) : null;
        if (!writer)
        {
            var rankSummary = trainer.Run(train, validation, run.Root, null, null, resume);
            return new PretrainResult(rankSummary, ceiling, entropy, modelConfig.ParameterCount, run.ModelDirectory);
        }
        Action<TrainingStepReport> OnStep(IProgressSink sink) => report =>
        {
            objective?.AfterStep(report);
            tensorboard!.Write(report);
            string detail = $"step {report.Step}/{report.TotalSteps} loss {report.Loss:F3} {report.TokensPerSecond:F0} tok/s";
            sink.Report(report.Step, detail);
            if (report.ValidationLoss is double v)
                WriteLineAbove($"step {report.Step,5}  loss {report.Loss:F3}  val {v:F3}  lr {report.LearningRate:E2}  " +
                               $"grad {report.GradientNorm:F2}  {report.TokensPerSecond:F0} tok/s  {report.AchievedGflops:F1} GFLOP/s");
        };
        var summary = Display.Progress(objective?.Title ?? "pretraining", config.Training.Steps, sink => objective is null
            ? trainer.Run(train, validation, run.Root, metrics, OnStep(sink), resume)
            : trainer.Run(objective.Create(train, validation), new WholeModel(model), run.Root, metrics, OnStep(sink), resume));

        HfCheckpoint.Save(model, tokenizer, run.ModelDirectory);
        if (Core.Reports.LossCurve.Write(run.Metrics, run.LossCurve)) Display.Info($"loss curve: {run.LossCurve}");
        metrics?.Write("pretrain_end", new Dictionary<string, object?>
        {
            ["steps"] = summary.Steps, ["tokens"] = summary.TokensSeen, ["loss"] = summary.FinalLoss, ["val_loss"] = summary.FinalValidationLoss,
            ["tokens_per_second"] = summary.MeanTokensPerSecond, ["gflops"] = summary.MeanAchievedGflops,
            ["mfu_vs_matmul_ceiling"] = summary.MeanAchievedGflops / ceiling, ["seconds"] = summary.Elapsed.TotalSeconds,
        });
        return new PretrainResult(summary, ceiling, entropy, modelConfig.ParameterCount, run.ModelDirectory);
    }

    /// <summary>
    /// The model to train: on resume, the architecture recorded in the run folder (weights come from the
    /// checkpoint); with --init-from, a Hugging Face model folder's config and weights; otherwise a fresh model
    /// of the config's shape. The architecture is recorded as model_config.json in the run folder.
    /// </summary>
    private static CausalLanguageModel CreateModel(PretrainConfig config, BpeTokenizer tokenizer, RunFolder run, bool resume, string? initFrom, bool writer)
    {
        string recorded = run.ModelConfig;
        CausalLanguageModel model;
        if (resume && File.Exists(recorded)) return CausalLanguageModel.Create(ModelConfigFile.Load(recorded));
        if (initFrom is not null)
        {
            model = HfCheckpoint.Load(initFrom);
            Display.Info($"initialised from {initFrom}; the config's model section is not used");
            if (model.Config.VocabSize < tokenizer.VocabularySize)
            {
                model.Dispose();
                throw new Core.SharpLMException($"{initFrom}: the model's vocab_size {model.Config.VocabSize} is smaller than the tokenizer's {tokenizer.VocabularySize} ids.");
            }
        }
        else
        {
            model = CausalLanguageModel.Create(config.Model.ToConfig(tokenizer.VocabularySize, tokenizer.EndOfTextId, "pretrain config"));
            model.InitializeWeights(config.Training.Seed);
        }
        if (writer) model.Config.Save(recorded);
        return model;
    }

    private static void WriteLineAbove(string text)
    {
        if (Display.Interactive) AnsiConsole.MarkupLine(Markup.Escape(text));
        else Console.WriteLine(text);
    }
}
