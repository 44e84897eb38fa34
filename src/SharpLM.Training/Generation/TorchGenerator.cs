using SharpLM.Tokenizers.Bpe;
using SharpLM.Training.Modeling;
using static TorchSharp.torch;

namespace SharpLM.Training.Generation;

/// <summary>
/// Autoregressive sampling with the TorchSharp model: each step runs the model over the (cropped) context and
/// samples the next token from the last position's logits.
/// </summary>
public static class TorchGenerator
{
    public static string Generate(CausalLanguageModel model, BpeTokenizer tokenizer, string prompt, SamplingOptions options,
        Action<string>? onText = null)
    {
        Native.TorchRuntime.EnsureLoaded();
        var sampler = new TokenSampler(options);
        var context = tokenizer.Encode(prompt);
        if (context.Count == 0 && tokenizer.EndOfTextId is int start) context.Add(start); // an empty prompt starts a new document
        int promptLength = context.Count;
        int? endOfText = tokenizer.EndOfTextId;
        int window = model.Config.MaxPositionEmbeddings;
        string emitted = "";
        model.eval();
        using var noGrad = no_grad();
        for (int i = 0; i < options.MaxNewTokens; i++)
        {
            int next;
            using (var scope = NewDisposeScope())
            {
                var tail = context.Skip(Math.Max(0, context.Count - window)).Select(t => (long)t).ToArray();
                var logits = model.forward(tensor(tail, [1, tail.Length]));
                var last = logits[0, tail.Length - 1].to_type(ScalarType.Float32).data<float>().ToArray();
                next = sampler.Next(last);
            }
            if (options.StopAtEndOfText && next == endOfText) break;
            context.Add(next);
            if (onText is not null)
            {
                // Decode the whole continuation and emit what is new, so multi-byte characters split across tokens print whole.
                string text = tokenizer.Decode(context.Skip(promptLength));
                if (text.Length > emitted.Length && !text.EndsWith('\uFFFD'))
                {
                    onText(text[emitted.Length..]);
                    emitted = text;
                }
            }
        }
        return tokenizer.Decode(context.Skip(promptLength));
    }
}
