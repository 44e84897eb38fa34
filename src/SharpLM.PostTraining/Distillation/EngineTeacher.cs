using SharpLM.Core;
using SharpLM.Inference;

namespace SharpLM.PostTraining.Distillation;

/// <summary>
/// The teacher, run by the pure C# engine (training holds a single libtorch model, the student): teacher-forced
/// logits of every position of each window, reduced to <see cref="TeacherTargets"/>. The engine is deterministic
/// for given weights and tokens, so a resumed run gets the very numbers an uninterrupted one got.
/// </summary>
public sealed class EngineTeacher
{
    private readonly IDecoderSession _session;
    private readonly int _vocabulary;
    private float[] _logits = [];

    public EngineTeacher(EngineModel model, int threads)
    {
        _session = model.NewSession(threads);
        _vocabulary = _session.VocabularySize;
    }

    /// <param name="tokens">Windows of <paramref name="length"/> tokens, row-major.</param>
    public TeacherTargets Of(ReadOnlySpan<long> tokens, int length, int k, double temperature)
    {
        if (length > _session.MaxPositions)
            throw new SharpLMException($"the teacher's context is {_session.MaxPositions} positions; training windows of {length} tokens do not fit.");
        int rows = tokens.Length / length, positions = rows * length;
        var targets = new TeacherTargets(positions, k, new long[positions * k], new float[positions * k], new float[positions * k], new float[positions]);
        if (_logits.Length < length * _vocabulary) _logits = new float[length * _vocabulary];
        var row = new int[length];
        var chosen = new bool[_vocabulary];
        for (int r = 0; r < rows; r++)
        {
            for (int t = 0; t < length; t++) row[t] = checked((int)tokens[r * length + t]);
            _session.Truncate(0);
            _session.Forward(row, _logits);
            for (int t = 0; t < length; t++)
                Reduce(_logits.AsSpan(t * _vocabulary, _vocabulary), r * length + t, targets, temperature, chosen);
        }
        return targets;
    }

    /// <summary>One position: top k, log-probabilities at T over the full vocabulary (in doubles), and the rest's mass.</summary>
    private static void Reduce(ReadOnlySpan<float> logits, int position, TeacherTargets targets, double temperature, bool[] chosen)
    {
        int k = targets.K;
        var ids = targets.Ids.AsSpan(position * k, k);
        TopKSelection.Select(logits, ids, targets.Logits.AsSpan(position * k, k));
        double max = targets.Logits[position * k];
        foreach (long id in ids) chosen[id] = true;
        double all = 0, rest = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            double e = Math.Exp((logits[i] - max) / temperature);
            all += e;
            // Summed directly rather than as all minus the top k, which would cancel when the rest is tiny.
            if (!chosen[i]) rest += e;
        }
        foreach (long id in ids) chosen[id] = false;
        double logNormaliser = Math.Log(all);
        for (int j = 0; j < k; j++)
            targets.LogProbabilities[position * k + j] = (float)((targets.Logits[position * k + j] - max) / temperature - logNormaliser);
        // A rest too small for a double (every other logit more than 745·T below the top) is held at e^−10000 rather
        // than −∞: its probability is zero in float either way, and 0 · (−∞) would make the loss NaN.
        targets.RestLogProbability[position] = (float)Math.Max(Math.Log(rest) - logNormaliser, -1e4);
    }
}
