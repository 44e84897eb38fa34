using SharpLM.Core.Formats.TokenShards;
using SharpLM.Training.Modeling;
using static TorchSharp.torch;

namespace SharpLM.Training.Pretraining;

/// <summary>Pretraining's objective: next-token cross-entropy on windows of a token shard (<see cref="TokenWindowSampler"/>).</summary>
/// <param name="rows">This process's rows of the global batch under data parallelism; null: the whole batch.</param>
public sealed class TokenWindowObjective(TokenShardReader train, TokenShardReader? validation, PretrainOptions options, bool trackData,
    (int FirstRow, int Rows)? rows = null) : ITrainingObjective
{
    private readonly TokenWindowSampler _sampler = new(train, options.SequenceLength, options.Seed, options.Sampling == "document_start");

    public TokenShardIdentity? Data { get; } = trackData ? TokenShardIdentity.Of(train) : null;

    public string? Settings => null;

    public (Tensor Loss, long Tokens) MicroBatchLoss(CausalLanguageModel model, int step, int microBatch, int sequenceLength, Device device)
    {
        var (inputs, targets) = Batch(step, microBatch, sequenceLength);
        var logits = model.forward(inputs.to(device));
        return (CrossEntropy(logits, targets.to(device)), targets.numel());
    }

    /// <summary>The windows of one micro-batch (this process's rows of it): inputs and their next tokens.</summary>
    public (Tensor Inputs, Tensor Targets) Batch(int step, int microBatch, int sequenceLength)
    {
        var (firstRow, count) = rows ?? (0, options.BatchSize);
        return _sampler.Batch(step, microBatch, count, sequenceLength, firstRow);
    }

    /// <summary>Mean next-token cross-entropy of logits [B, T, V] against targets [B, T].</summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor targets) =>
        nn.functional.cross_entropy(logits.view(-1, logits.shape[^1]), targets.view(-1));

    public double? ValidationLoss(CausalLanguageModel model, Device device) => validation is null ? null : WindowLoss(model, validation, options, device);

    /// <summary>Mean next-token loss over a fixed set of validation windows.</summary>
    public static double WindowLoss(CausalLanguageModel model, TokenShardReader shard, PretrainOptions options, Device device)
    {
        double total = 0;
        long count = 0;
        foreach (var (inputs, targets) in TokenWindowSampler.FixedBatches(shard, options.SequenceLength, options.BatchSize, options.EvalBatches))
        {
            using var scope = NewDisposeScope();
            var logits = model.forward(inputs.to(device));
            var sum = nn.functional.cross_entropy(logits.view(-1, logits.shape[^1]), targets.to(device).view(-1), reduction: nn.Reduction.Sum);
            total += sum.item<float>();
            count += targets.numel();
            inputs.Dispose();
            targets.Dispose();
        }
        return count == 0 ? double.NaN : total / count;
    }
}
