using SharpLM.Tokenizers.Bpe;

namespace SharpLM.Inference.Generation;

/// <summary>
/// The generation loop shared by every model: encode the prompt, sample tokens until the end-of-text token,
/// the token budget or the model's context is exhausted, and stream the text as it becomes whole characters.
/// </summary>
public static class TextGenerator
{
    public static string Generate(ILogitsSource model, BpeTokenizer tokenizer, string prompt, SamplingOptions options, Action<string>? onText = null)
    {
        var sampler = new TokenSampler(options);
        var context = tokenizer.Encode(prompt);
        if (context.Count == 0 && tokenizer.EndOfTextId is int start) context.Add(start); // an empty prompt starts a new document
        if (context.Count > model.MaxContext)
            throw new Core.SharpLMException($"the prompt is {context.Count} tokens, longer than the model's context of {model.MaxContext}.");
        int promptLength = context.Count;
        string emitted = "";
        for (int i = 0; i < options.MaxNewTokens && context.Count < model.MaxContext; i++)
        {
            int next = sampler.Next(model.Next(context));
            if (options.StopAtEndOfText && next == tokenizer.EndOfTextId) break;
            context.Add(next);
            if (onText is null) continue;
            // Decode the whole continuation and emit what is new, so characters split across tokens print whole.
            string text = tokenizer.Decode(context.Skip(promptLength));
            if (text.Length > emitted.Length && !text.EndsWith('\uFFFD'))
            {
                onText(text[emitted.Length..]);
                emitted = text;
            }
        }
        return tokenizer.Decode(context.Skip(promptLength));
    }
}
