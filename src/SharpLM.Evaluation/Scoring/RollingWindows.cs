namespace SharpLM.Evaluation.Scoring;

/// <summary>
/// lm-eval's rolling windows over a text's tokens, for loglikelihood_rolling: the first window predicts the first
/// tokens after the start token; each later one predicts the next tokens with as much preceding text as a window of
/// <c>maxLength</c> holds. The log-likelihoods of the windows add up to the text's. Every backend scores the same
/// (context, continuation) pairs, so their numbers agree.
/// </summary>
public static class RollingWindows
{
    public static IEnumerable<(List<int> Context, List<int> Continuation)> Split(List<int> tokens, int maxLength, int startToken)
    {
        if (tokens.Count == 0) yield break;
        int first = Math.Min(maxLength, tokens.Count);
        yield return ([startToken], tokens.GetRange(0, first));
        int predicted = first;
        while (predicted < tokens.Count)
        {
            int count = Math.Min(tokens.Count - predicted, maxLength);
            int end = predicted + count;
            // The window is the maxLength tokens before the last one to predict; the earlier ones are context only.
            yield return (tokens.GetRange(end - maxLength - 1, maxLength - count + 1), tokens.GetRange(end - count, count));
            predicted = end;
        }
    }
}
