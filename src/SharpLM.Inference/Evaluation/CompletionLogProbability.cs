namespace SharpLM.Inference.Evaluation;

/// <summary>
/// Teacher-forced log-probability of a sequence's scored targets under the engine: one prompt-style forward pass
/// over the inputs, then log softmax (log-sum-exp in double) at each scored position. Preference training uses it
/// to precompute the reference model's log-probabilities of chosen and rejected completions.
/// </summary>
public static class CompletionLogProbability
{
    /// <summary>Sum of log p(targets[i] | inputs[..i]) over the i where <paramref name="scored"/> is set, and how many.</summary>
    public static (double Sum, int Count) Of(IDecoderSession session, ReadOnlySpan<int> inputs, ReadOnlySpan<int> targets, ReadOnlySpan<bool> scored)
    {
        if (inputs.Length != targets.Length || inputs.Length != scored.Length) throw new ArgumentException("inputs, targets and scored differ in length.");
        int vocab = session.VocabularySize;
        var logits = new float[inputs.Length * vocab];
        session.Truncate(0);
        session.Forward(inputs, logits);
        double sum = 0;
        int count = 0;
        for (int i = 0; i < inputs.Length; i++)
        {
            if (!scored[i]) continue;
            var row = logits.AsSpan(i * vocab, vocab);
            float max = float.NegativeInfinity;
            foreach (float v in row) max = Math.Max(max, v);
            double total = 0;
            foreach (float v in row) total += Math.Exp(v - max);
            sum += row[targets[i]] - max - Math.Log(total);
            count++;
        }
        return (sum, count);
    }
}
