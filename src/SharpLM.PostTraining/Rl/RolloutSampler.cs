using SharpLM.Inference;
using SharpLM.Inference.Generation;
using SharpLM.PostTraining.Sft;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Tokenizers.Chat;

namespace SharpLM.PostTraining.Rl;

/// <summary>
/// Samples completions with the C# engine through the one generation core. Each completion's sampler is seeded from
/// (seed, step, micro-batch, slot): no generator state carries over between steps, so a resumed run draws exactly
/// the completions an uninterrupted one would.
/// </summary>
public sealed class RolloutSampler(BpeTokenizer tokenizer, ChatTemplate template, int threads)
{
    /// <summary>The rendered prompt with an open assistant turn.</summary>
    public int[] PromptIds(RlPrompt prompt) =>
        template.RenderTurns(prompt.Prompt, addGenerationPrompt: true).Ids;

    /// <summary>One completion of <paramref name="promptIds"/>; a temperature of 0 decodes greedily.</summary>
    public Rollout Sample(EngineModel model, int promptIndex, int[] promptIds, int maxNewTokens, double temperature, long seed)
    {
        var source = new SessionLogitsSource(model.NewSession(threads));
        var options = new SamplingOptions { Temperature = temperature, TopK = 0, TopP = 1.0, MaxNewTokens = maxNewTokens, Seed = seed };
        var stop = new HashSet<int> { template.TurnEndId };
        var sequence = new GenerationSequence(tokenizer, promptIds, options, source.MaxContext, stop);
        int? stoppedBy = null;
        while (!sequence.IsFinished)
        {
            var logits = source.Next(sequence.Context);
            int token = sequence.Choose(logits);
            int kept = sequence.Generated;
            if (!sequence.Accept(token, logits) && sequence.Finish == FinishReason.Stop && sequence.Generated == kept) stoppedBy = token;
        }
        var result = sequence.Result();
        // The stop token the policy drew is part of what it wrote: training on it teaches the completion to end.
        var ids = stoppedBy is int s ? [.. result.Tokens, s] : result.Tokens.ToArray();
        return new Rollout(promptIndex, promptIds, ids, result.Text);
    }

    /// <summary>A completion's sampling seed: a hash of (seed, step, micro-batch, slot) as the batch draw is.</summary>
    public static long SeedFor(long seed, int step, int microBatch, int slot) => RowDraw.Row(seed ^ 0x5EED, step, microBatch, slot, int.MaxValue);
}
