namespace SharpLM.Inference.Generation;

/// <summary>A token id with its natural-log probability.</summary>
public readonly record struct TokenLogProbability(int Token, double LogProbability);

/// <summary>
/// The log-probability of one generated token and of the most likely tokens at its position, as OpenAI's
/// <c>logprobs</c>/<c>top_logprobs</c> report them: the log-softmax of the model's raw logits, before penalties,
/// temperature and the top-k/top-p/min-p cuts. Those transforms only shape how a token is drawn; the raw
/// distribution is what the model predicts, stays comparable between sampling settings, and is what
/// perplexity-style scoring needs.
/// </summary>
public sealed record TokenLogProbabilities(TokenLogProbability Chosen, IReadOnlyList<TokenLogProbability> Top)
{
    /// <summary>Log-softmax of <paramref name="logits"/> at <paramref name="token"/>, and the <paramref name="top"/> most likely tokens (ties: lower id first).</summary>
    public static TokenLogProbabilities Compute(ReadOnlySpan<float> logits, int token, int top)
    {
        if ((uint)token >= (uint)logits.Length) throw new ArgumentOutOfRangeException(nameof(token), $"token {token} is outside the {logits.Length} logits.");
        double normaliser = LogSumExp(logits);
        top = Math.Min(top, logits.Length);
        var best = new List<TokenLogProbability>(top + 1);
        for (int id = 0; id < logits.Length && top > 0; id++)
        {
            // Insertion into a short sorted list: top is small (OpenAI allows at most 20).
            if (best.Count == top && logits[id] <= logits[best[^1].Token]) continue;
            int position = best.Count;
            while (position > 0 && logits[id] > logits[best[position - 1].Token]) position--;
            best.Insert(position, new TokenLogProbability(id, logits[id] - normaliser));
            if (best.Count > top) best.RemoveAt(top);
        }
        return new TokenLogProbabilities(new TokenLogProbability(token, logits[token] - normaliser), best);
    }

    /// <summary>log Σ exp(logit), shifted by the maximum so that no exponential overflows.</summary>
    public static double LogSumExp(ReadOnlySpan<float> logits)
    {
        double max = double.NegativeInfinity;
        foreach (float logit in logits) max = Math.Max(max, logit);
        double sum = 0;
        foreach (float logit in logits) sum += Math.Exp(logit - max);
        return max + Math.Log(sum);
    }
}
