using SharpLM.Inference.Generation;
using SharpLM.Tokenizers.Bpe;

namespace SharpLM.Safety.Memorization;

/// <summary>
/// The log-probability (nats) a model gives a text as the start of a document: its tokens after the end-of-text token
/// that separates training documents (without one, the first token is the context and is not scored).
/// </summary>
public sealed class TextScorer(ILogitsSource model, BpeTokenizer tokenizer)
{
    public double LogProbability(string text)
    {
        var tokens = tokenizer.Encode(text);
        var context = new List<int>(tokens.Count + 1);
        int start = 0;
        if (tokenizer.EndOfTextId is int eot) context.Add(eot);
        else context.Add(tokens[start++]);
        double total = 0;
        for (int i = start; i < tokens.Count; i++)
        {
            total += LogSoftmaxAt(model.Next(context), tokens[i]);
            context.Add(tokens[i]);
        }
        return total;
    }

    /// <summary>log softmax(logits)[token], computed stably.</summary>
    public static double LogSoftmaxAt(ReadOnlySpan<float> logits, int token)
    {
        double max = double.NegativeInfinity;
        foreach (float l in logits) max = Math.Max(max, l);
        double sum = 0;
        foreach (float l in logits) sum += Math.Exp(l - max);
        return logits[token] - max - Math.Log(sum);
    }
}
