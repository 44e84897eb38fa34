using SharpLM.Core.Formats.TokenShards;
using SharpLM.Training.Modeling;
using static TorchSharp.torch;

namespace SharpLM.Training.Evaluation;

public sealed record PerplexityResult(double MeanNegativeLogLikelihood, long Tokens)
{
    public double Perplexity => Math.Exp(MeanNegativeLogLikelihood);
}

/// <summary>
/// Perplexity over a token shard: the shard is cut into consecutive, non-overlapping windows of the context
/// length; every token after the first of a window is scored given the tokens before it in that window.
/// </summary>
public static class PerplexityEvaluator
{
    public static PerplexityResult Evaluate(CausalLanguageModel model, TokenShardReader shard, int contextLength, long maxTokens = long.MaxValue,
        int batchSize = 8, IProgress<long>? progress = null)
    {
        Native.TorchRuntime.EnsureLoaded();
        contextLength = Math.Min(contextLength, model.Config.MaxPositionEmbeddings);
        long available = Math.Min(shard.TokenCount - 1, maxTokens);
        long windows = available / contextLength;
        if (windows == 0)
            throw new Core.SharpLMException($"{shard.Path}: holds {shard.TokenCount} tokens, fewer than one window of {contextLength + 1}.");
        model.eval();
        double total = 0;
        long count = 0;
        using var noGrad = no_grad();
        for (long first = 0; first < windows; first += batchSize)
        {
            using var scope = NewDisposeScope();
            int rows = (int)Math.Min(batchSize, windows - first);
            var buffer = new long[rows * (contextLength + 1)];
            for (int r = 0; r < rows; r++) shard.Read((first + r) * contextLength, buffer.AsSpan(r * (contextLength + 1), contextLength + 1));
            var all = tensor(buffer, [rows, contextLength + 1]);
            var inputs = all.narrow(1, 0, contextLength);
            var targets = all.narrow(1, 1, contextLength);
            var logits = model.forward(inputs);
            var sum = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[^1]), targets.reshape(-1), reduction: nn.Reduction.Sum);
            total += sum.item<float>();
            count += (long)rows * contextLength;
            progress?.Report(count);
        }
        return new PerplexityResult(total / count, count);
    }
}
