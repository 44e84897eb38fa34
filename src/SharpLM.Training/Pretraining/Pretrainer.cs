using System.Diagnostics;
using System.Text.Json;
using SharpLM.Core;
using SharpLM.Core.Formats.TokenShards;
using SharpLM.Core.Runs;
using SharpLM.Training.Checkpoints;
using SharpLM.Training.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpLM.Training.Pretraining;

/// <summary>
/// The pretraining loop: windows from the training shard (anywhere, or starting at documents; optionally short
/// to long by a curriculum), next-token cross-entropy, gradient
/// accumulation over micro-batches, AdamW with decoupled weight decay on matrices only (norm weights and
/// embeddings are not decayed), warmup then cosine/linear/constant schedule, global gradient-norm clipping,
/// periodic validation loss and resumable checkpoints. Every step is reported to a callback (progress
/// display) and to metrics.jsonl.
///
/// Scale-out seam: one optimizer step is "sum gradients over micro-batches, clip, update". Data parallelism
/// slots in between the accumulation and the clip (<see cref="DataParallel"/>): each process draws its own rows
/// of the global batch (the row index is part of the batch hash), and an all-reduce averages the gradients
/// (flattened into one buffer) before clipping.
/// Nothing else in the loop depends on the process count.
/// </summary>
public sealed class Pretrainer
{
    private readonly CausalLanguageModel _model;
    private readonly PretrainConfig _config;
    private readonly Device _device;
    private PretrainOptions Options => _config.Training;

    /// <summary>The matrix-multiply rate measured on this machine; when set, metrics report MFU against it.</summary>
    public double? MatmulCeilingGflops { get; init; }

    /// <summary>
    /// Data-parallel training (null: one process): each rank trains on its rows of the global batch, gradients are
    /// averaged before clipping, and only rank 0 writes checkpoints and metrics.
    /// </summary>
    public GradientSynchronizer? DataParallel { get; init; }

    public Pretrainer(CausalLanguageModel model, PretrainConfig config)
    {
        config.Training.Validate("training options");
        if (config.Training.SequenceLength > model.Config.MaxPositionEmbeddings)
            throw new SharpLMException($"training options: field 'sequence_length' ({config.Training.SequenceLength}) exceeds the model's max_position_embeddings ({model.Config.MaxPositionEmbeddings}).");
        _model = model;
        _config = config;
        _device = Native.ComputeDevice.Resolve(config.Training.Device);
        model.CheckpointActivations = config.Training.ActivationCheckpointing;
        if (_device.type != DeviceType.CPU) _model.to(_device);
    }

    /// <param name="runDirectory">Where checkpoints go (checkpoints/ below it); null writes none.</param>
    /// <param name="resume">Continue from the latest checkpoint in <paramref name="runDirectory"/>.</param>
    public PretrainSummary Run(TokenShardReader train, TokenShardReader? validation, string? runDirectory = null,
        MetricsWriter? metrics = null, Action<TrainingStepReport>? onStep = null, bool resume = false, CancellationToken cancellation = default) =>
        Run(new TokenWindowObjective(train, validation, Options, trackData: runDirectory is not null || DataParallel is not null,
            rows: DataParallel?.RowsOf(Options.BatchSize)), new WholeModel(_model), runDirectory, metrics, onStep, resume, cancellation);

    /// <summary>
    /// The loop for any objective and any set of trainable weights: pretraining on token windows, or fine-tuning
    /// (whole model or adapters) on conversations. Schedule, clipping, validation, checkpoints, exact resume, metrics
    /// and progress are the same for all.
    /// </summary>
    public PretrainSummary Run(ITrainingObjective objective, ITrainableWeights weights, string? runDirectory = null,
        MetricsWriter? metrics = null, Action<TrainingStepReport>? onStep = null, bool resume = false, CancellationToken cancellation = default)
    {
        if (Options.Threads > 0) set_num_threads(Options.Threads);
        var schedule = new LearningRateSchedule(Options.LearningRate, Options.WarmupSteps, Options.Steps, Options.MinLearningRateRatio, Options.Schedule);
        double flopsPerToken = _model.Config.TrainingFlopsPerToken(Options.SequenceLength);
        var parameters = weights.Parameters.Select(p => p.Parameter).ToList();
        if (DataParallel is { IsWriter: false }) metrics = null;
        using var optimizer = NewOptimizer(weights);
        if (DataParallel is not null) metrics?.Write("optimizer", new Dictionary<string, object?>
        {
            ["zero_stage"] = Options.ZeroStage, ["world_size"] = DataParallel?.WorldSize ?? 1, ["state_bytes_per_rank"] = optimizer.StateElements * sizeof(float),
        });

        var trainShard = objective.Data;
        if (DataParallel is not null)
            DataParallel.RequireSameRun(_config, trainShard ?? throw new InvalidOperationException("Data-parallel training needs an objective whose data is tracked."));
        JsonElement? objectiveSettings = objective.Settings is string settings ? JsonDocument.Parse(settings).RootElement.Clone() : null;
        int firstStep = 0;
        long tokensSeen = 0;
        double loss = double.NaN;
        if (resume)
        {
            if (runDirectory is null) throw new ArgumentException("Resuming needs a run directory.", nameof(runDirectory));
            string checkpoint = TrainingCheckpoint.Latest(runDirectory)
                ?? throw new SharpLMException($"{TrainingCheckpoint.DirectoryFor(runDirectory)}: no checkpoint to resume from.");
            var state = TrainingCheckpoint.ReadState(checkpoint);
            TrainingCheckpoint.RequireCompatible(checkpoint, state, _config, trainShard, objective.Settings);
            TrainingCheckpoint.Restore(checkpoint, weights, optimizer, state);
            (firstStep, tokensSeen, loss) = (state.Step, state.TokensSeen, state.LastLoss);
            // The steps after the checkpoint are trained again; their earlier records would otherwise appear twice.
            metrics?.DiscardStepsAfter(firstStep);
            metrics?.Write("resume", new Dictionary<string, object?> { ["checkpoint"] = checkpoint, ["step"] = firstStep });
        }

        // After a restore too: every rank reads the same checkpoint, and this makes a fresh start identical as well.
        DataParallel?.BroadcastParameters(parameters);

        _model.train();
        var clock = Stopwatch.StartNew();
        double? validationLoss = null;
        double flopsDone = 0;
        long tokensAtStart = tokensSeen;
        int step = firstStep;
        for (; step < Options.Steps && !cancellation.IsCancellationRequested; step++)
        {
            var stepClock = Stopwatch.StartNew();
            double learningRate = schedule.At(step);
            int length = Options.SequenceLengthAt(step);
            double stepFlopsPerToken = _model.Config.TrainingFlopsPerToken(length);
            double gradientNorm = TrainStep(objective, step, length, parameters, optimizer, learningRate, out loss, out double auxiliary, out long tokensPerStep);
            tokensSeen += tokensPerStep;
            flopsDone += tokensPerStep * stepFlopsPerToken;

            bool last = step + 1 == Options.Steps;
            bool evaluate = (step + 1) % Options.EvalInterval == 0 || last;
            double? stepValidation = evaluate ? Validate(objective) : null;
            if (stepValidation is double v) RequireFinite(step, "validation loss", v);
            if (stepValidation is not null) validationLoss = stepValidation;

            double seconds = stepClock.Elapsed.TotalSeconds;
            var report = new TrainingStepReport(step + 1, Options.Steps, loss, learningRate, gradientNorm,
                tokensPerStep / seconds, tokensPerStep * stepFlopsPerToken / seconds / 1e9, stepValidation, clock.Elapsed);
            metrics?.Write("train_step", new Dictionary<string, object?>
            {
                ["step"] = report.Step, ["loss"] = report.Loss, ["lr"] = report.LearningRate,
                ["grad_norm"] = report.GradientNorm, ["tokens_per_second"] = report.TokensPerSecond,
                ["gflops"] = report.AchievedGflops, ["val_loss"] = report.ValidationLoss,
                ["aux_loss"] = _model.AuxiliaryLossCoefficient > 0 ? auxiliary : null,
                ["mfu"] = MatmulCeilingGflops is double ceiling ? report.AchievedGflops / ceiling : null,
                ["allreduce_seconds"] = DataParallel?.TakeSeconds(),
            });
            // After the step's metrics, so a run killed while saving has logged every step its checkpoint covers.
            bool checkpointDue = runDirectory is not null && Options.CheckpointInterval > 0 && ((step + 1) % Options.CheckpointInterval == 0 || last);
            // Sharded moments are gathered by every rank together; only the writer then saves them.
            var optimizerState = checkpointDue && (optimizer.ExportIsCollective || DataParallel is not { IsWriter: false }) ? optimizer.ExportState() : null;
            if (checkpointDue && DataParallel is not { IsWriter: false })
            {
                string saved = TrainingCheckpoint.Save(runDirectory!, weights, optimizerState!,
                    new TrainerState { Step = step + 1, TokensSeen = tokensSeen, LastLoss = loss, Config = _config, TrainShard = trainShard, Objective = objectiveSettings },
                    Options.KeepCheckpoints);
                metrics?.Write("checkpoint", new Dictionary<string, object?> { ["step"] = step + 1, ["path"] = saved });
            }
            onStep?.Invoke(report);
        }
        _model.eval();
        if (_device.type != DeviceType.CPU) _model.to(CPU); // callers save and sample on the CPU
        double elapsed = Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
        long tokensThisRun = tokensSeen - tokensAtStart;
        return new PretrainSummary(step, tokensSeen, loss, validationLoss, tokensThisRun / elapsed,
            flopsDone / elapsed / 1e9, flopsPerToken, clock.Elapsed);
    }

    /// <summary>One optimizer step over <see cref="PretrainOptions.GradientAccumulation"/> micro-batches; returns the gradient norm.</summary>
    private double TrainStep(ITrainingObjective objective, int step, int length, List<TorchSharp.Modules.Parameter> parameters, ITrainingOptimizer optimizer,
        double learningRate, out double loss, out double auxiliary, out long tokens)
    {
        using var scope = NewDisposeScope();
        optimizer.ZeroGrad();
        double total = 0;
        auxiliary = 0;
        tokens = 0;
        int micro = Options.GradientAccumulation;
        for (int m = 0; m < micro; m++)
        {
            var (microLoss, microTokens) = objective.MicroBatchLoss(_model, step, m, length, _device);
            tokens += microTokens;
            var objectiveLoss = microLoss;
            if (_model.TakeAuxiliaryLoss() is { } balance)
            {
                // The expert-balance loss shapes the router; the reported loss stays the language-modelling loss.
                objectiveLoss = microLoss + balance * _model.AuxiliaryLossCoefficient;
                auxiliary += balance.item<float>() / micro;
            }
            (micro == 1 ? objectiveLoss : objectiveLoss / micro).backward();
            total += microLoss.item<float>();
        }
        loss = total / micro;
        // The data-parallel seam: between accumulating the gradients and clipping them. Every rank trains on as many
        // rows, so the global batch's tokens are this rank's times the world size.
        if (DataParallel is not null)
        {
            loss = DataParallel.AverageGradients(parameters, loss);
            tokens *= DataParallel.WorldSize;
        }
        RequireFinite(step, "loss", loss);
        double gradientNorm = nn.utils.clip_grad_norm_(parameters, Options.GradClip);
        // Clipping cannot rescue a non-finite norm: the update would write NaN into every weight.
        RequireFinite(step, "gradient norm", gradientNorm);
        optimizer.Step(learningRate);
        return gradientNorm;
    }

    /// <summary>AdamW whole, or sharded over the data-parallel ranks when zero_stage is 1 and there is more than one rank.</summary>
    private ITrainingOptimizer NewOptimizer(ITrainableWeights weights) =>
        Options.ZeroStage == 1 && DataParallel is { WorldSize: > 1 } dataParallel
            ? new ShardedAdamWOptimizer(weights.Parameters, weights.Decays, dataParallel.Communicator, Options.Beta1, Options.Beta2, 1e-8, Options.WeightDecay,
                dataParallel.LendBuffer)
            : new AdamWOptimizer(weights.Parameters, weights.Decays, Options.Beta1, Options.Beta2, 1e-8, Options.WeightDecay);

    private double? Validate(ITrainingObjective objective)
    {
        bool wasTraining = _model.training;
        _model.eval();
        try
        {
            using (no_grad()) return objective.ValidationLoss(_model, _device);
        }
        finally
        {
            if (wasTraining) _model.train();
        }
    }

    /// <summary>Stops a diverged run with one line, before the value reaches the weights, the metrics or a checkpoint.</summary>
    /// <param name="step">The 0-based step; messages count steps from 1 as the progress display does.</param>
    public static void RequireFinite(int step, string what, double value)
    {
        if (!double.IsFinite(value))
            throw new SharpLMException($"training diverged at step {step + 1}: the {what} is {value.ToString(System.Globalization.CultureInfo.InvariantCulture)}; lower learning_rate.");
    }

    /// <summary>Weight decay pulls matrices toward zero; norm gains and embedding rows are not decayed.</summary>
    public static bool DecaysWeight(CausalLanguageModel model, string name, TorchSharp.Modules.Parameter parameter) =>
        parameter.dim() >= 2 && !model.IsEmbedding(name);

    /// <summary>Mean next-token loss over a fixed set of validation windows.</summary>
    public double EvaluateLoss(TokenShardReader validation)
    {
        bool wasTraining = _model.training;
        _model.eval();
        try
        {
            using (no_grad()) return TokenWindowObjective.WindowLoss(_model, validation, Options, _device);
        }
        finally
        {
            if (wasTraining) _model.train();
        }
    }
}
