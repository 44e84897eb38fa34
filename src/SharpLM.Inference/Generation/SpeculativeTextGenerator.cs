using SharpLM.Tokenizers.Bpe;

namespace SharpLM.Inference.Generation;

/// <summary>
/// <see cref="TextGenerator"/>'s loop over a <see cref="SpeculativeDecoder"/>: each round yields several tokens,
/// which are taken one at a time under the same rules (stop tokens, stop sequences, the token budget, the
/// context, streaming only whole characters). Sampling settings are the decoder's.
/// </summary>
public static class SpeculativeTextGenerator
{
    public static (GenerationResult Result, SpeculativeStatistics Statistics) Generate(SpeculativeDecoder decoder, BpeTokenizer tokenizer,
        IReadOnlyList<int> promptIds, Action<string>? onText = null, IReadOnlySet<int>? stopTokens = null)
    {
        var options = decoder.Options;
        var before = decoder.Statistics;
        var context = new List<int>(promptIds);
        if (context.Count == 0 && tokenizer.EndOfTextId is int start) context.Add(start); // an empty prompt starts a new document
        if (context.Count >= decoder.MaxContext)
            throw new Core.SharpLMException($"the prompt is {context.Count} tokens, too long for the model's context of {decoder.MaxContext}.");
        int promptLength = context.Count;
        string emitted = "";
        var logProbabilities = options.LogProbabilities is null ? null : new List<TokenLogProbabilities>();
        var round = new List<int>();
        var roundLogProbabilities = logProbabilities is null ? null : new List<TokenLogProbabilities>();

        GenerationResult Finish(string text, FinishReason finish) =>
            new(text, context.Skip(promptLength).ToList(), finish, logProbabilities);

        while (context.Count - promptLength < options.MaxNewTokens && context.Count < decoder.MaxContext)
        {
            decoder.Round(context, options.MaxNewTokens - (context.Count - promptLength), round, roundLogProbabilities);
            for (int i = 0; i < round.Count; i++)
            {
                int next = round[i];
                if ((options.StopAtEndOfText && next == tokenizer.EndOfTextId) || stopTokens?.Contains(next) == true)
                    return (Flush(Finish(tokenizer.Decode(context.Skip(promptLength)), FinishReason.Stop), emitted, onText), decoder.Statistics.Since(before));
                logProbabilities?.Add(roundLogProbabilities![i]);
                context.Add(next);
                string text = tokenizer.Decode(context.Skip(promptLength));
                if (TextGenerator.StopIndex(text, options.StopSequences) is int cut)
                {
                    if (cut > emitted.Length) onText?.Invoke(text[emitted.Length..cut]);
                    return (Finish(text[..cut], FinishReason.Stop), decoder.Statistics.Since(before));
                }
                int safe = text.Length - TextGenerator.HeldBack(text, options.StopSequences);
                if (safe > emitted.Length && !text[..safe].EndsWith('\uFFFD'))
                {
                    onText?.Invoke(text[emitted.Length..safe]);
                    emitted = text[..safe];
                }
            }
        }
        return (Flush(Finish(tokenizer.Decode(context.Skip(promptLength)), FinishReason.Length), emitted, onText), decoder.Statistics.Since(before));
    }

    /// <summary>Streams whatever of the final text was held back.</summary>
    private static GenerationResult Flush(GenerationResult result, string emitted, Action<string>? onText)
    {
        if (result.Text.Length > emitted.Length) onText?.Invoke(result.Text[emitted.Length..]);
        return result;
    }
}
