using SharpLM.Inference.Constraints;
using SharpLM.Tokenizers.Bpe;

namespace SharpLM.Inference.Generation;

/// <summary>Why generation ended.</summary>
public enum FinishReason { Stop, Length }

/// <summary>
/// A finished generation: the new text, its token ids and why it stopped; with
/// <see cref="SamplingOptions.LogProbabilities"/> set, one entry per token of <see cref="Tokens"/>.
/// </summary>
public sealed record GenerationResult(string Text, IReadOnlyList<int> Tokens, FinishReason Finish,
    IReadOnlyList<TokenLogProbabilities>? LogProbabilities = null);

/// <summary>
/// The generation loop shared by every model: sample tokens until a stop token (end-of-text, or those the
/// caller names), a stop sequence, the token budget or the model's context; stream text as it becomes whole
/// characters. An optional <see cref="ITokenConstraint"/> masks the logits before each draw so the output
/// stays inside a language; generation then ends once the output is complete and nothing may follow, and a run
/// cut short by the token budget or the context reports <see cref="FinishReason.Length"/>.
/// </summary>
public static class TextGenerator
{
    public static string Generate(ILogitsSource model, BpeTokenizer tokenizer, string prompt, SamplingOptions options, Action<string>? onText = null)
    {
        var context = tokenizer.Encode(prompt);
        if (context.Count == 0 && tokenizer.EndOfTextId is int start) context.Add(start); // an empty prompt starts a new document
        return Generate(model, tokenizer, context, options, onText).Text;
    }

    public static GenerationResult Generate(ILogitsSource model, BpeTokenizer tokenizer, IReadOnlyList<int> promptIds, SamplingOptions options,
        Action<string>? onText = null, IReadOnlySet<int>? stopTokens = null, ITokenConstraint? constraint = null)
    {
        var sampler = new TokenSampler(options);
        var context = new List<int>(promptIds);
        if (context.Count > model.MaxContext)
            throw new Core.SharpLMException($"the prompt is {context.Count} tokens, longer than the model's context of {model.MaxContext}.");
        int promptLength = context.Count;
        string emitted = "";
        var finish = FinishReason.Length;
        var logProbabilities = options.LogProbabilities is null ? null : new List<TokenLogProbabilities>();
        float[]? masked = null;
        for (int i = 0; i < options.MaxNewTokens && context.Count < model.MaxContext; i++)
        {
            if (constraint is { IsComplete: true, CanContinue: false })
            {
                finish = FinishReason.Stop;
                break;
            }
            var modelLogits = model.Next(context);
            // Log-probabilities are the model's own; the constraint only decides what may be drawn.
            var logits = constraint is null ? modelLogits : masked = ConstraintMask.Apply(constraint, modelLogits, masked);
            int next = sampler.Next(logits, context);
            if (((options.StopAtEndOfText || constraint is not null) && next == tokenizer.EndOfTextId) || stopTokens?.Contains(next) == true)
            {
                finish = FinishReason.Stop;
                break;
            }
            logProbabilities?.Add(TokenLogProbabilities.Compute(modelLogits, next, options.LogProbabilities!.Value));
            constraint?.Advance(next);
            context.Add(next);
            string text = tokenizer.Decode(context.Skip(promptLength));
            if (StopIndex(text, options.StopSequences) is int cut)
            {
                if (cut > emitted.Length) onText?.Invoke(text[emitted.Length..cut]);
                return new GenerationResult(text[..cut], context.Skip(promptLength).ToList(), FinishReason.Stop, logProbabilities);
            }
            // Emit what is new, holding back text that could still grow into a stop sequence or an incomplete character.
            int safe = text.Length - HeldBack(text, options.StopSequences);
            if (safe > emitted.Length && !text[..safe].EndsWith('\uFFFD'))
            {
                onText?.Invoke(text[emitted.Length..safe]);
                emitted = text[..safe];
            }
        }
        if (constraint is { IsComplete: true, CanContinue: false }) finish = FinishReason.Stop; // the budget ended exactly at the end
        string final = tokenizer.Decode(context.Skip(promptLength));
        if (final.Length > emitted.Length) onText?.Invoke(final[emitted.Length..]);
        return new GenerationResult(final, context.Skip(promptLength).ToList(), finish, logProbabilities);
    }

    internal static int? StopIndex(string text, IReadOnlyList<string> stops)
    {
        int? first = null;
        foreach (string stop in stops)
        {
            int index = text.IndexOf(stop, StringComparison.Ordinal);
            if (index >= 0 && (first is null || index < first)) first = index;
        }
        return first;
    }

    /// <summary>How many trailing characters are a proper prefix of some stop sequence (and so must not be shown yet).</summary>
    internal static int HeldBack(string text, IReadOnlyList<string> stops)
    {
        int held = 0;
        foreach (string stop in stops)
            for (int length = Math.Min(stop.Length - 1, text.Length); length > held; length--)
                if (text.AsSpan(text.Length - length).SequenceEqual(stop.AsSpan(0, length))) { held = length; break; }
        return held;
    }
}
