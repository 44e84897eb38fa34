namespace SharpLM.PostTraining.Distillation;

/// <summary>
/// The teacher's next-token distributions over a batch, kept to what distillation reads: for each of
/// <see cref="Positions"/> positions its <see cref="K"/> most likely tokens (most likely first), their raw logits, their
/// log-probabilities at the temperature, and the log-probability at the temperature of every other token together.
/// Row-major: position p's entries are [p·K, (p+1)·K).
/// </summary>
public sealed record TeacherTargets(int Positions, int K, long[] Ids, float[] Logits, float[] LogProbabilities, float[] RestLogProbability)
{
    public static TeacherTargets Allocate(int positions, int k) =>
        new(positions, k, new long[positions * k], new float[positions * k], new float[positions * k], new float[positions]);

    /// <summary>Fills one position from the teacher's full row of logits (in doubles: top k, normaliser at T, the rest's mass).</summary>
    /// <param name="scratch">A cleared flag per vocabulary entry, left cleared.</param>
    public void Set(int position, ReadOnlySpan<float> logits, double temperature, bool[] scratch)
    {
        var ids = Ids.AsSpan(position * K, K);
        TopKSelection.Select(logits, ids, Logits.AsSpan(position * K, K));
        double max = Logits[position * K];
        foreach (long id in ids) scratch[id] = true;
        double all = 0, rest = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            double e = Math.Exp((logits[i] - max) / temperature);
            all += e;
            // Summed directly rather than as all minus the top k, which would cancel when the rest is tiny.
            if (!scratch[i]) rest += e;
        }
        foreach (long id in ids) scratch[id] = false;
        double logNormaliser = Math.Log(all);
        for (int j = 0; j < K; j++)
            LogProbabilities[position * K + j] = (float)((Logits[position * K + j] - max) / temperature - logNormaliser);
        // A rest too small for a double (every other logit more than 745·T below the top) is held at e^−10000 rather
        // than −∞: its probability is zero in float either way, and 0 · (−∞) would make the loss NaN.
        RestLogProbability[position] = (float)Math.Max(Math.Log(rest) - logNormaliser, -1e4);
    }
}
