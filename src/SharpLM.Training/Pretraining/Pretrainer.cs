using System.Diagnostics;
using SharpLM.Core.Formats.TokenShards;
using SharpLM.Core.Runs;
using SharpLM.Training.Modeling;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpLM.Training.Pretraining;

/// <summary>
/// The pretraining loop: random windows from the training shard, next-token cross-entropy, AdamW with
/// decoupled weight decay on matrices only (norm weights and embeddings are not decayed), linear warmup then
/// cosine decay, global gradient-norm clipping, and periodic validation loss. Every step is reported to a
/// callback (progress display) and to metrics.jsonl.
/// </summary>
public sealed class Pretrainer
{
    private readonly LlamaForCausalLM _model;
    private readonly PretrainOptions _options;

    public Pretrainer(LlamaForCausalLM model, PretrainOptions options)
    {
        options.Validate("training options");
        if (options.SequenceLength > model.Config.MaxPositionEmbeddings)
            throw new Core.SharpLMException($"training options: field 'sequence_length' ({options.SequenceLength}) exceeds the model's max_position_embeddings ({model.Config.MaxPositionEmbeddings}).");
        _model = model;
        _options = options;
    }

    public PretrainSummary Run(TokenShardReader train, TokenShardReader? validation, MetricsWriter? metrics = null,
        Action<TrainingStepReport>? onStep = null, CancellationToken cancellation = default)
    {
        if (_options.Threads > 0) set_num_threads(_options.Threads);
        var sampler = new TokenWindowSampler(train, _options.SequenceLength, _options.Seed);
        var schedule = new LearningRateSchedule(_options.LearningRate, _options.WarmupSteps, _options.Steps, _options.MinLearningRateRatio);
        double flopsPerToken = FlopCounter.TrainingFlopsPerToken(_model.Config, _options.SequenceLength);
        long tokensPerStep = (long)_options.BatchSize * _options.SequenceLength;
        var parameters = _model.parameters().ToList();
        using var optimizer = CreateOptimizer();

        _model.train();
        var clock = Stopwatch.StartNew();
        double loss = double.NaN;
        double? validationLoss = null;
        int step = 0;
        for (; step < _options.Steps && !cancellation.IsCancellationRequested; step++)
        {
            var stepClock = Stopwatch.StartNew();
            double learningRate = schedule.At(step);
            foreach (var group in optimizer.ParamGroups) group.LearningRate = learningRate;
            double gradientNorm;
            using (var scope = NewDisposeScope())
            {
                var (inputs, targets) = sampler.NextBatch(_options.BatchSize);
                var logits = _model.forward(inputs);
                var lossTensor = nn.functional.cross_entropy(logits.view(-1, logits.shape[^1]), targets.view(-1));
                optimizer.zero_grad();
                lossTensor.backward();
                gradientNorm = nn.utils.clip_grad_norm_(parameters, _options.GradClip);
                optimizer.step();
                loss = lossTensor.item<float>();
            }
            if (double.IsNaN(loss) || double.IsInfinity(loss))
                throw new Core.SharpLMException($"training diverged at step {step + 1}: the loss is {loss}; lower learning_rate.");

            bool evaluate = validation is not null && ((step + 1) % _options.EvalInterval == 0 || step + 1 == _options.Steps);
            double? stepValidation = evaluate ? EvaluateLoss(validation!) : null;
            if (stepValidation is not null) validationLoss = stepValidation;

            double seconds = stepClock.Elapsed.TotalSeconds;
            var report = new TrainingStepReport(step + 1, _options.Steps, loss, learningRate, gradientNorm,
                tokensPerStep / seconds, tokensPerStep * flopsPerToken / seconds / 1e9, stepValidation, clock.Elapsed);
            metrics?.Write("train_step", new Dictionary<string, object?>
            {
                ["step"] = report.Step, ["loss"] = report.Loss, ["lr"] = report.LearningRate,
                ["grad_norm"] = report.GradientNorm, ["tokens_per_second"] = report.TokensPerSecond,
                ["gflops"] = report.AchievedGflops, ["val_loss"] = report.ValidationLoss,
            });
            onStep?.Invoke(report);
        }
        _model.eval();
        double elapsed = clock.Elapsed.TotalSeconds;
        long tokensSeen = step * tokensPerStep;
        return new PretrainSummary(step, tokensSeen, loss, validationLoss, tokensSeen / elapsed,
            tokensSeen * flopsPerToken / elapsed / 1e9, flopsPerToken, clock.Elapsed);
    }

    /// <summary>Mean next-token loss over a fixed set of validation windows.</summary>
    public double EvaluateLoss(TokenShardReader validation)
    {
        bool wasTraining = _model.training;
        _model.eval();
        double total = 0;
        long count = 0;
        using (no_grad())
        {
            foreach (var (inputs, targets) in TokenWindowSampler.FixedBatches(validation, _options.SequenceLength, _options.BatchSize, _options.EvalBatches))
            {
                using var scope = NewDisposeScope();
                var logits = _model.forward(inputs);
                var sum = nn.functional.cross_entropy(logits.view(-1, logits.shape[^1]), targets.view(-1), reduction: nn.Reduction.Sum);
                total += sum.item<float>();
                count += targets.numel();
                inputs.Dispose();
                targets.Dispose();
            }
        }
        if (wasTraining) _model.train();
        return count == 0 ? double.NaN : total / count;
    }

    private AdamW CreateOptimizer()
    {
        var decay = new List<Parameter>();
        var noDecay = new List<Parameter>();
        foreach (var (name, parameter) in _model.named_parameters())
        {
            // Weight decay pulls matrices toward zero; norm gains and embedding rows are not decayed.
            bool isMatrix = parameter.dim() >= 2 && !name.Contains("embed_tokens", StringComparison.Ordinal);
            (isMatrix ? decay : noDecay).Add(parameter);
        }
        return optim.AdamW(
            [
                new AdamW.ParamGroup(decay, lr: _options.LearningRate, beta1: _options.Beta1, beta2: _options.Beta2, weight_decay: _options.WeightDecay),
                new AdamW.ParamGroup(noDecay, lr: _options.LearningRate, beta1: _options.Beta1, beta2: _options.Beta2, weight_decay: 0),
            ],
            lr: _options.LearningRate, beta1: _options.Beta1, beta2: _options.Beta2);
    }
}
