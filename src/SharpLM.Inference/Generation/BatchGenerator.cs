using SharpLM.Inference.Llama;
using SharpLM.Tokenizers.Bpe;

namespace SharpLM.Inference.Generation;

/// <summary>
/// Generates continuations of several prompts at once on a <see cref="LlamaBatchSession"/>: each step decodes
/// one token of every unfinished sequence with one read of the weights. Each sequence has its own
/// <see cref="TokenSampler"/> and follows <see cref="TextGenerator"/>'s rules (stop token, stop sequence, token
/// budget, context), so a sequence comes out as it would alone with the same options.
/// </summary>
public static class BatchGenerator
{
    public static IReadOnlyList<GenerationResult> Generate(LlamaWeights weights, int threads, BpeTokenizer tokenizer,
        IReadOnlyList<IReadOnlyList<int>> prompts, SamplingOptions options) =>
        Generate(weights, threads, tokenizer, prompts, prompts.Select(_ => options).ToArray());

    /// <summary>As above with options (seed, temperature, budget...) per sequence.</summary>
    public static IReadOnlyList<GenerationResult> Generate(LlamaWeights weights, int threads, BpeTokenizer tokenizer,
        IReadOnlyList<IReadOnlyList<int>> prompts, IReadOnlyList<SamplingOptions> options)
    {
        if (options.Count != prompts.Count) throw new ArgumentException($"{prompts.Count} prompts but {options.Count} option sets.");
        int count = prompts.Count;
        var results = new GenerationResult?[count];
        if (count == 0) return [];
        var session = new LlamaBatchSession(weights, threads, count);
        int vocab = session.VocabularySize;
        var logits = new float[count * vocab];
        var samplers = options.Select(o => new TokenSampler(o)).ToArray();
        var contexts = prompts.Select(p => new List<int>(p)).ToArray();
        for (int s = 0; s < count; s++)
        {
            if (contexts[s].Count == 0) throw new Core.SharpLMException($"prompt {s} is empty.");
            if (contexts[s].Count > session.MaxPositions)
                throw new Core.SharpLMException($"prompt {s} is {contexts[s].Count} tokens, longer than the model's context of {session.MaxPositions}.");
            session.Prefill(s, contexts[s].ToArray()).CopyTo(logits.AsSpan(s * vocab, vocab));
        }

        var stepSequences = new List<int>(count);
        var stepTokens = new List<int>(count);
        var stepLogits = new float[count * vocab];
        while (true)
        {
            stepSequences.Clear();
            stepTokens.Clear();
            for (int s = 0; s < count; s++)
            {
                if (results[s] is not null) continue;
                var context = contexts[s];
                int generated = context.Count - prompts[s].Count;
                if (generated >= options[s].MaxNewTokens || context.Count >= session.MaxPositions)
                {
                    results[s] = Finish(tokenizer, context, prompts[s].Count, FinishReason.Length);
                    continue;
                }
                int next = samplers[s].Next(logits.AsSpan(s * vocab, vocab), context);
                if (options[s].StopAtEndOfText && next == tokenizer.EndOfTextId)
                {
                    results[s] = Finish(tokenizer, context, prompts[s].Count, FinishReason.Stop);
                    continue;
                }
                context.Add(next);
                if (options[s].StopSequences.Count > 0)
                {
                    string text = tokenizer.Decode(context.Skip(prompts[s].Count));
                    int cut = options[s].StopSequences.Select(stop => text.IndexOf(stop, StringComparison.Ordinal)).Where(i => i >= 0).DefaultIfEmpty(-1).Min();
                    if (cut >= 0)
                    {
                        results[s] = new GenerationResult(text[..cut], context.Skip(prompts[s].Count).ToList(), FinishReason.Stop);
                        continue;
                    }
                }
                if (context.Count - prompts[s].Count >= options[s].MaxNewTokens || context.Count >= session.MaxPositions)
                {
                    results[s] = Finish(tokenizer, context, prompts[s].Count, FinishReason.Length); // no need to run the last token
                    continue;
                }
                stepSequences.Add(s);
                stepTokens.Add(next);
            }
            if (stepSequences.Count == 0) break;
            session.Step(stepSequences.ToArray(), stepTokens.ToArray(), stepLogits);
            for (int i = 0; i < stepSequences.Count; i++)
            {
                int s = stepSequences[i];
                stepLogits.AsSpan(i * vocab, vocab).CopyTo(logits.AsSpan(s * vocab, vocab));
            }
        }
        return results.Select(r => r!).ToArray();
    }

    private static GenerationResult Finish(BpeTokenizer tokenizer, List<int> context, int promptLength, FinishReason finish) =>
        new(tokenizer.Decode(context.Skip(promptLength)), context.Skip(promptLength).ToList(), finish);
}
