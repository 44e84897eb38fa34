using SharpLM.Core;
using SharpLM.Core.Formats.TokenShards;
using SharpLM.Inference.Llama;

namespace SharpLM.Inference.Evaluation;

public sealed record PerplexityScore(double MeanNegativeLogLikelihood, long Tokens)
{
    public double Perplexity => Math.Exp(MeanNegativeLogLikelihood);
}

/// <summary>
/// Perplexity of the engine's model over a token shard, teacher-forced, with the training side's windowing
/// (SharpLM.Training's PerplexityEvaluator): consecutive non-overlapping windows of the context length, every
/// token after a window's first scored given the tokens before it in that window. Each window is one prompt-style
/// forward pass, so the figures for different weight formats are directly comparable.
/// </summary>
public static class EnginePerplexity
{
    public static PerplexityScore Evaluate(LlamaWeights weights, TokenShardReader shard, int contextLength, long maxTokens = long.MaxValue,
        int threads = 1, IProgress<long>? progress = null)
    {
        contextLength = Math.Min(contextLength, weights.Config.MaxPositionEmbeddings);
        if (contextLength < 1) throw new SharpLMException($"the context length must be positive (got {contextLength}).");
        long windows = Math.Min(shard.TokenCount - 1, maxTokens) / contextLength;
        if (windows == 0)
            throw new SharpLMException($"{shard.Path}: holds {shard.TokenCount} tokens, fewer than one window of {contextLength + 1}.");
        int vocab = weights.Config.VocabSize;
        var session = new LlamaSession(weights, threads);
        var window = new long[contextLength + 1];
        var inputs = new int[contextLength];
        var logits = new float[contextLength * vocab];
        double total = 0;
        long count = 0;
        for (long w = 0; w < windows; w++)
        {
            shard.Read(w * contextLength, window);
            for (int i = 0; i <= contextLength; i++)
                if ((ulong)window[i] >= (ulong)vocab)
                    throw new SharpLMException($"{shard.Path}: token {w * contextLength + i} is id {window[i]}, outside the model's vocabulary of {vocab}.");
            for (int i = 0; i < contextLength; i++) inputs[i] = (int)window[i];
            session.Reset();
            session.Forward(inputs, logits);
            for (int i = 0; i < contextLength; i++) total += NegativeLogLikelihood(logits.AsSpan(i * vocab, vocab), (int)window[i + 1]);
            count += contextLength;
            progress?.Report(count);
        }
        return new PerplexityScore(total / count, count);
    }

    /// <summary>−log softmax(logits)[target], through log-sum-exp in double precision.</summary>
    private static double NegativeLogLikelihood(ReadOnlySpan<float> logits, int target)
    {
        float max = float.NegativeInfinity;
        foreach (float v in logits) max = Math.Max(max, v);
        double sum = 0;
        foreach (float v in logits) sum += Math.Exp(v - max);
        return max + Math.Log(sum) - logits[target];
    }
}
