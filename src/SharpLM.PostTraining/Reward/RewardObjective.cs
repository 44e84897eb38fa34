using System.Text.Json;
using SharpLM.Core.Formats.TokenShards;
using SharpLM.PostTraining.Preference;
using SharpLM.PostTraining.Sft;
using SharpLM.Training.Modeling;
using SharpLM.Training.Pretraining;
using static TorchSharp.torch;

namespace SharpLM.PostTraining.Reward;

/// <summary>
/// Reward-model training as an objective of the shared training loop: each micro-batch draws pairs (a hash of seed,
/// step, micro-batch and slot) and takes the Bradley–Terry loss of their rewards. The last step's metrics and the
/// last validation's (held-out pairwise accuracy among them) are kept for the caller to log.
/// </summary>
public sealed class RewardObjective(PreferenceData data, RewardModel reward, RewardOptions options, int batchSize, int evalBatches) : ITrainingObjective
{
    private readonly Dictionary<string, double> _stepSums = [];
    private int _stepMicroBatches, _currentStep = -1;

    public TokenShardIdentity? Data => data.Identity;

    public string? Settings => JsonSerializer.Serialize(options);

    public IReadOnlyDictionary<string, double> StepMetrics => _stepSums.ToDictionary(p => p.Key, p => p.Value / Math.Max(1, _stepMicroBatches));

    /// <summary>Metrics over the held-out pairs at the last validation, prefixed "eval_".</summary>
    public IReadOnlyDictionary<string, double>? ValidationMetrics { get; private set; }

    public (Tensor Loss, long Tokens) MicroBatchLoss(CausalLanguageModel model, int step, int microBatch, int sequenceLength, Device device)
    {
        if (step != _currentStep)
        {
            _stepSums.Clear();
            _stepMicroBatches = 0;
            _currentStep = step;
        }
        reward.Adapters?.SeedDropout(options.Seed, step, microBatch);
        var pairs = Enumerable.Range(0, batchSize).Select(i => data.Train[RowDraw.Row(options.Seed, step, microBatch, i, data.Train.Count)]).ToList();
        using var batch = RewardBatch.Build(pairs, device, reward.VirtualTokens);
        var (chosen, rejected) = batch.Rewards(reward);
        var (loss, metrics) = RewardLoss.Compute(chosen, rejected);
        foreach (var (name, value) in metrics) _stepSums[name] = _stepSums.GetValueOrDefault(name) + value;
        _stepSums["loss"] = _stepSums.GetValueOrDefault("loss") + loss.item<float>();
        _stepMicroBatches++;
        return (loss, batch.RealTokens);
    }

    /// <summary>The loss over the held-out pairs (at most eval_batches × batch_size); its metrics go to <see cref="ValidationMetrics"/>.</summary>
    public double? ValidationLoss(CausalLanguageModel model, Device device)
    {
        if (data.Validation.Count == 0) return null;
        var sums = new Dictionary<string, double>();
        int count = 0;
        foreach (var chunk in data.Validation.Take(batchSize * evalBatches).Chunk(batchSize))
        {
            using var scope = NewDisposeScope();
            using var batch = RewardBatch.Build(chunk, device, reward.VirtualTokens);
            var (chosen, rejected) = batch.Rewards(reward);
            var (loss, metrics) = RewardLoss.Compute(chosen, rejected);
            foreach (var (name, value) in metrics) sums[name] = sums.GetValueOrDefault(name) + value * chunk.Length;
            sums["loss"] = sums.GetValueOrDefault("loss") + loss.item<float>() * chunk.Length;
            count += chunk.Length;
        }
        ValidationMetrics = sums.ToDictionary(p => "eval_" + p.Key, p => p.Value / count);
        return sums["loss"] / count;
    }
}
