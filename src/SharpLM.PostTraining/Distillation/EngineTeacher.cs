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
        var targets = TeacherTargets.Allocate(positions, k);
        if (_logits.Length < length * _vocabulary) _logits = new float[length * _vocabulary];
        var row = new int[length];
        var chosen = new bool[_vocabulary];
        for (int r = 0; r < rows; r++)
        {
            for (int t = 0; t < length; t++) row[t] = checked((int)tokens[r * length + t]);
            _session.Truncate(0);
            _session.Forward(row, _logits);
            for (int t = 0; t < length; t++)
                targets.Set(r * length + t, _logits.AsSpan(t * _vocabulary, _vocabulary), temperature, chosen);
        }
        return targets;
    }
}
