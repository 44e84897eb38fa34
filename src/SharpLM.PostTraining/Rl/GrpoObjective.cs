using System.Text.Json;
using SharpLM.Core.Formats.TokenShards;
using SharpLM.Inference;
using SharpLM.PostTraining.Lora;
using SharpLM.PostTraining.Sft;
using SharpLM.Training.Modeling;
using SharpLM.Training.Pretraining;
using static TorchSharp.torch;

namespace SharpLM.PostTraining.Rl;

/// <summary>
/// Online RL from a reward (GRPO) as an objective of the shared training loop. Each micro-batch draws prompts (a hash
/// of seed, step, micro-batch and slot), samples a group of completions per prompt with the engine on the policy's
/// current weights, scores them, normalises the rewards within each group, and takes <see cref="GrpoLoss"/> on the
/// completion tokens. One optimizer step per batch of samples (TRL's num_iterations 1), so the sampling policy is
/// the current one and π_old is log π detached. TRL's metrics of the last step are kept for the caller to log.
/// </summary>
public sealed class GrpoObjective : ITrainingObjective
{
    private readonly IReadOnlyList<RlPrompt> _prompts;
    private readonly GrpoOptions _options;
    private readonly RolloutSampler _sampler;
    private readonly PolicySnapshot _snapshot;
    private readonly Func<Rollout, double> _reward;
    private readonly EngineModel? _reference;
    private readonly int _batchSize, _threads;
    private readonly LoraAdapters? _adapters;
    private readonly PromptTuning.PromptEmbedding? _prompt;
    private readonly Dictionary<string, double> _stepSums = [];
    private int _stepMicroBatches, _currentStep = -1;
    private EngineModel? _policy;

    /// <param name="reference">The starting model on the engine, for the KL term; null when β is 0.</param>
    /// <param name="prompt">With prompt tuning, the virtual tokens placed before every sequence of the policy (not of the reference).</param>
    public GrpoObjective(IReadOnlyList<RlPrompt> prompts, TokenShardIdentity identity, GrpoOptions options, RolloutSampler sampler, PolicySnapshot snapshot,
        Func<Rollout, double> reward, EngineModel? reference, int batchSize, int threads, LoraAdapters? adapters = null, PromptTuning.PromptEmbedding? prompt = null)
    {
        if ((prompt?.VirtualTokens ?? 0) != options.VirtualTokens)
            throw new ArgumentException("the prompt embedding must have the options' virtual tokens.", nameof(prompt));
        _prompts = prompts;
        Data = identity;
        _options = options;
        _sampler = sampler;
        _snapshot = snapshot;
        _reward = reward;
        _reference = reference;
        _batchSize = batchSize;
        _threads = threads;
        _adapters = adapters;
        _prompt = prompt;
    }

    public TokenShardIdentity? Data { get; }

    public string? Settings => JsonSerializer.Serialize(_options);

    /// <summary>TRL's metrics (and "loss") averaged over the micro-batches of the last training step.</summary>
    public IReadOnlyDictionary<string, double> StepMetrics => _stepSums.ToDictionary(p => p.Key, p => p.Value / Math.Max(1, _stepMicroBatches));

    /// <summary>The prompts of one micro-batch.</summary>
    public IEnumerable<int> PromptsFor(int step, int microBatch)
    {
        for (int i = 0; i < _batchSize; i++) yield return RowDraw.Row(_options.Seed, step, microBatch, i, _prompts.Count);
    }

    public (Tensor Loss, long Tokens) MicroBatchLoss(CausalLanguageModel model, int step, int microBatch, int sequenceLength, Device device)
    {
        if (step != _currentStep)
        {
            _stepSums.Clear();
            _stepMicroBatches = 0;
            _currentStep = step;
            // The weights change only between steps, so one snapshot serves every micro-batch of a step.
            _policy = _snapshot.Take(model);
        }
        _adapters?.SeedDropout(_options.Seed, step, microBatch);
        var rollouts = Sample(step, microBatch);
        var rewards = rollouts.Select(_reward).ToArray();
        var (advantages, stds) = GroupAdvantages.Compute(rewards, _options.GroupSize);

        var conversations = rollouts.Select(r => r.AsConversation()).ToList();
        using var batch = SftBatch.Build(conversations, Enumerable.Range(0, conversations.Count).Select(i => new[] { i }), device, _options.VirtualTokens);
        var logps = batch.TokenLogProbabilities(model, _prompt);
        var mask = batch.Targets.ne(SftBatch.IgnoredTarget).to_type(ScalarType.Float32);
        var reference = _options.Beta > 0 ? ReferenceLogps(conversations, (int)batch.Targets.shape[1], device) : null;
        var (loss, metrics) = GrpoLoss.Compute(logps, logps.detach(), reference, tensor(advantages.Select(a => (float)a).ToArray()).to(device), mask,
            _options.Epsilon, _options.Beta);

        Add("loss", loss.item<float>());
        Add("reward", rewards.Average());
        Add("reward_std", stds.Average());
        Add("completions/mean_length", rollouts.Average(r => r.CompletionIds.Length));
        foreach (var (name, value) in metrics) Add(name, value);
        _stepMicroBatches++;
        return (loss, batch.RealTokens);
    }

    /// <summary>RL has no held-out loss; held-out reward is measured by the caller with the engine.</summary>
    public double? ValidationLoss(CausalLanguageModel model, Device device) => null;

    private void Add(string name, double value) => _stepSums[name] = _stepSums.GetValueOrDefault(name) + value;

    private List<Rollout> Sample(int step, int microBatch)
    {
        var rollouts = new List<Rollout>();
        int slot = 0;
        foreach (int index in PromptsFor(step, microBatch))
        {
            var ids = _sampler.PromptIds(_prompts[index]);
            for (int g = 0; g < _options.GroupSize; g++, slot++)
                rollouts.Add(_sampler.Sample(_policy!, index, ids, _options.MaxNewTokens, _options.Temperature, RolloutSampler.SeedFor(_options.Seed, step, microBatch, slot)));
        }
        return rollouts;
    }

    /// <summary>
    /// log π_ref of every target token, from the engine on the starting model, laid out as the batch is: after the
    /// virtual tokens' positions, which the reference does not have.
    /// </summary>
    private Tensor ReferenceLogps(IReadOnlyList<TokenizedConversation> conversations, int width, Device device)
    {
        var values = new float[conversations.Count * width];
        var session = _reference!.NewSession(_threads);
        for (int b = 0; b < conversations.Count; b++)
        {
            var perToken = EngineTokenLogps.Of(session, conversations[b]);
            for (int j = 0; j < perToken.Length; j++) values[b * width + _options.VirtualTokens + j] = perToken[j];
        }
        return tensor(values, [conversations.Count, width]).to(device);
    }
}
