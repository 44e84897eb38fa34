using System.Text.Json;
using SharpLM.Core.Formats.TokenShards;
using SharpLM.PostTraining.Lora;
using SharpLM.PostTraining.Sft;
using SharpLM.Training.Modeling;
using SharpLM.Training.Pretraining;
using static TorchSharp.torch;

namespace SharpLM.PostTraining.Preference;

/// <summary>
/// Direct preference optimisation as an objective of the shared training loop: each micro-batch draws pairs (a hash
/// of seed, step, micro-batch and slot), runs prompt + chosen and prompt + rejected through the policy as one padded
/// batch, and takes <see cref="DpoLoss"/> against the precomputed reference log-probabilities. TRL's metrics of the
/// last step and of the last validation are kept for the caller to log.
/// </summary>
public sealed class DpoObjective : ITrainingObjective
{
    private readonly PreferenceData _data;
    private readonly DpoOptions _options;
    private readonly PairLogps[] _trainReference, _validationReference;
    private readonly int _batchSize, _evalPairs;
    private readonly LoraAdapters? _adapters;
    private readonly PromptTuning.PromptEmbedding? _prompt;
    private readonly Dictionary<string, double> _stepSums = [];
    private int _stepMicroBatches, _currentStep = -1;

    /// <param name="reference">The reference log-probabilities of <see cref="PreferenceData.All"/>, in that order.</param>
    /// <param name="prompt">With prompt tuning, the virtual tokens placed before every sequence of the policy (not of the reference).</param>
    public DpoObjective(PreferenceData data, IReadOnlyList<PairLogps> reference, DpoOptions options, int batchSize, int evalBatches, LoraAdapters? adapters = null,
        PromptTuning.PromptEmbedding? prompt = null)
    {
        if ((prompt?.VirtualTokens ?? 0) != options.VirtualTokens)
            throw new ArgumentException("the prompt embedding must have the options' virtual tokens.", nameof(prompt));
        if (reference.Count != data.Train.Count + data.Validation.Count) throw new ArgumentException("one reference entry per pair is needed.", nameof(reference));
        _data = data;
        _options = options;
        _trainReference = reference.Take(data.Train.Count).ToArray();
        _validationReference = reference.Skip(data.Train.Count).ToArray();
        _batchSize = batchSize;
        _evalPairs = batchSize * evalBatches;
        _adapters = adapters;
        _prompt = prompt;
    }

    public TokenShardIdentity? Data => _data.Identity;

    public string? Settings => JsonSerializer.Serialize(_options);

    /// <summary>TRL's metrics (and "loss") averaged over the micro-batches of the last training step.</summary>
    public IReadOnlyDictionary<string, double> StepMetrics => _stepSums.ToDictionary(p => p.Key, p => p.Value / Math.Max(1, _stepMicroBatches));

    /// <summary>TRL's metrics on the held-out pairs at the last validation, prefixed "eval_" as TRL logs them.</summary>
    public IReadOnlyDictionary<string, double>? ValidationMetrics { get; private set; }

    /// <summary>The training pairs of one micro-batch.</summary>
    public IEnumerable<int> PairsFor(int step, int microBatch)
    {
        for (int i = 0; i < _batchSize; i++) yield return RowDraw.Row(_options.Seed, step, microBatch, i, _data.Train.Count);
    }

    public (Tensor Loss, long Tokens) MicroBatchLoss(CausalLanguageModel model, int step, int microBatch, int sequenceLength, Device device)
    {
        if (step != _currentStep)
        {
            _stepSums.Clear();
            _stepMicroBatches = 0;
            _currentStep = step;
        }
        _adapters?.SeedDropout(_options.Seed, step, microBatch);
        var indices = PairsFor(step, microBatch).ToArray();
        var (loss, metrics, tokens) = Loss(model, indices.Select(i => _data.Train[i]).ToList(), indices.Select(i => _trainReference[i]).ToList(), device);
        foreach (var (name, value) in metrics) _stepSums[name] = _stepSums.GetValueOrDefault(name) + value;
        _stepSums["loss"] = _stepSums.GetValueOrDefault("loss") + loss.item<float>();
        _stepMicroBatches++;
        return (loss, tokens);
    }

    /// <summary>
    /// The DPO loss over the held-out pairs (at most eval_batches × batch_size); its metrics, among them the held-out
    /// preference accuracy (eval_rewards/accuracies), go to <see cref="ValidationMetrics"/>.
    /// </summary>
    public double? ValidationLoss(CausalLanguageModel model, Device device)
    {
        if (_data.Validation.Count == 0) return null;
        var sums = new Dictionary<string, double>();
        int pairs = 0;
        var indices = Enumerable.Range(0, Math.Min(_evalPairs, _data.Validation.Count)).ToArray();
        foreach (var chunk in indices.Chunk(_batchSize))
        {
            using var scope = NewDisposeScope();
            var (loss, metrics, _) = Loss(model, chunk.Select(i => _data.Validation[i]).ToList(), chunk.Select(i => _validationReference[i]).ToList(), device);
            // Means over a chunk become sums over its pairs, so the result is the mean over all held-out pairs.
            foreach (var (name, value) in metrics) sums[name] = sums.GetValueOrDefault(name) + value * chunk.Length;
            sums["loss"] = sums.GetValueOrDefault("loss") + loss.item<float>() * chunk.Length;
            pairs += chunk.Length;
        }
        ValidationMetrics = sums.ToDictionary(p => "eval_" + p.Key, p => p.Value / pairs);
        return sums["loss"] / pairs;
    }

    /// <summary>The loss of a batch of pairs, its TRL metrics, and the tokens it ran.</summary>
    public (Tensor Loss, IReadOnlyDictionary<string, double> Metrics, long Tokens) Loss(CausalLanguageModel model, IReadOnlyList<TokenizedPair> pairs,
        IReadOnlyList<PairLogps> reference, Device device)
    {
        int n = pairs.Count;
        var sides = pairs.Select(p => p.Chosen).Concat(pairs.Select(p => p.Rejected)).ToList();
        using var batch = SftBatch.Build(sides, Enumerable.Range(0, sides.Count).Select(i => new[] { i }), device, _options.VirtualTokens);
        var (sums, counts) = batch.RowLogProbabilities(model, _prompt);
        var policyChosen = sums[..n];
        var policyRejected = sums[n..];
        var referenceChosen = tensor(reference.Select(r => (float)r.Chosen).ToArray()).to(device);
        var referenceRejected = tensor(reference.Select(r => (float)r.Rejected).ToArray()).to(device);
        if (_options.Loss == DpoLossType.Ipo)
        {
            // IPO compares per-token means (TRL's ipo averages the log-probabilities over the completion's tokens).
            var floatCounts = counts.to_type(ScalarType.Float32);
            policyChosen = policyChosen / floatCounts[..n];
            policyRejected = policyRejected / floatCounts[n..];
            referenceChosen = referenceChosen / tensor(reference.Select(r => (float)r.ChosenTokens).ToArray()).to(device);
            referenceRejected = referenceRejected / tensor(reference.Select(r => (float)r.RejectedTokens).ToArray()).to(device);
        }
        var (loss, metrics) = DpoLoss.Compute(policyChosen, policyRejected, referenceChosen, referenceRejected, _options.Beta, _options.Loss);
        return (loss, metrics, batch.RealTokens);
    }
}
