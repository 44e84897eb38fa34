namespace SharpLM.PostTraining.Distillation;

/// <summary>
/// The teacher's next-token distributions over a batch, kept to what distillation reads: for each of
/// <see cref="Positions"/> positions its <see cref="K"/> most likely tokens (most likely first), their raw logits, their
/// log-probabilities at the temperature, and the log-probability at the temperature of every other token together.
/// Row-major: position p's entries are [p·K, (p+1)·K).
/// </summary>
public sealed record TeacherTargets(int Positions, int K, long[] Ids, float[] Logits, float[] LogProbabilities, float[] RestLogProbability);
