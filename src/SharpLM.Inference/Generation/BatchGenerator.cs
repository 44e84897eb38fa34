using SharpLM.Inference.Constraints;
using SharpLM.Inference.Llama;
using SharpLM.Tokenizers.Bpe;

namespace SharpLM.Inference.Generation;

/// <summary>
/// Generates continuations of several prompts at once on a <see cref="LlamaBatchSession"/>: each step decodes
/// one token of every unfinished sequence with one read of the weights. Each prompt is a
/// <see cref="GenerationSequence"/> with its own options, stop tokens and constraint, so a sequence comes out
/// exactly as it would alone.
/// </summary>
public static class BatchGenerator
{
    public static IReadOnlyList<GenerationResult> Generate(LlamaWeights weights, int threads, BpeTokenizer tokenizer,
        IReadOnlyList<IReadOnlyList<int>> prompts, SamplingOptions options) =>
        Generate(weights, threads, tokenizer, prompts, prompts.Select(_ => options).ToArray());

    /// <summary>As above with options (seed, temperature, budget...) and optionally a constraint per sequence.</summary>
    public static IReadOnlyList<GenerationResult> Generate(LlamaWeights weights, int threads, BpeTokenizer tokenizer,
        IReadOnlyList<IReadOnlyList<int>> prompts, IReadOnlyList<SamplingOptions> options, IReadOnlySet<int>? stopTokens = null,
        IReadOnlyList<ITokenConstraint?>? constraints = null)
    {
        if (options.Count != prompts.Count) throw new ArgumentException($"{prompts.Count} prompts but {options.Count} option sets.");
        if (constraints is not null && constraints.Count != prompts.Count) throw new ArgumentException($"{prompts.Count} prompts but {constraints.Count} constraints.");
        int count = prompts.Count;
        if (count == 0) return [];
        var session = new LlamaBatchSession(weights, threads, count);
        int vocab = session.VocabularySize;
        var sequences = prompts.Select((prompt, s) => new GenerationSequence(tokenizer, prompt, options[s], session.MaxPositions, stopTokens, constraints?[s])).ToArray();
        var logits = new float[count * vocab];
        for (int s = 0; s < count; s++)
            if (!sequences[s].IsFinished)
                session.Prefill(s, sequences[s].Context.ToArray()).CopyTo(logits.AsSpan(s * vocab, vocab));

        var stepSequences = new List<int>(count);
        var stepTokens = new List<int>(count);
        var stepLogits = new float[count * vocab];
        while (true)
        {
            stepSequences.Clear();
            stepTokens.Clear();
            for (int s = 0; s < count; s++)
            {
                // A sequence that finishes here is not run again: its last token's logits would go unused.
                if (sequences[s].IsFinished || !sequences[s].Step(logits.AsSpan(s * vocab, vocab))) continue;
                stepSequences.Add(s);
                stepTokens.Add(sequences[s].Context[^1]);
            }
            if (stepSequences.Count == 0) break;
            session.Step(stepSequences.ToArray(), stepTokens.ToArray(), stepLogits);
            for (int i = 0; i < stepSequences.Count; i++)
                stepLogits.AsSpan(i * vocab, vocab).CopyTo(logits.AsSpan(stepSequences[i] * vocab, vocab));
        }
        return sequences.Select(s => s.Result()).ToArray();
    }
}
