using static TorchSharp.torch;

namespace SharpLM.PostTraining.Distillation;

/// <summary>
/// loss = alpha · T² · KL(p_teacher,T ‖ p_student,T) + (1 − alpha) · CE(data), with the KL taken over the teacher's top
/// k tokens plus one "rest" bucket holding every other token.
///
/// Why a rest bucket rather than renormalising the teacher over its top k: the engine computes the teacher's full
/// softmax anyway, so the mass outside the top k is known exactly, and keeping it as a bucket makes the KL one between
/// two true distributions over k + 1 outcomes. That is the full-vocabulary KL with the tail merged (so never more
/// than it, and equal to it when the student's tail is shaped like the teacher's), it is zero exactly when the
/// student matches the teacher on the top k and on the tail's total, and it keeps how confident the teacher is:
/// renormalising would tell the student to move the tail's mass onto the top k even where the teacher spreads 40%
/// over other tokens. The student's side is its log-softmax over the full vocabulary at T: the top-k entries
/// gathered, and the rest as the log-sum-exp of the other logits (computed directly, not as log(1 − Σ), which
/// cancels when the top k hold nearly everything).
///
/// The KL is averaged over positions (each position one distribution, as the cross-entropy averages over tokens);
/// T² keeps the soft targets' gradient on the scale of the hard ones' as T changes (Hinton et al., 2015).
/// </summary>
public static class DistillationLoss
{
    /// <param name="studentLogits">[N, V] raw logits with a graph.</param>
    /// <param name="targets">[N] next tokens of the data.</param>
    /// <param name="crossEntropy">The data's mean cross-entropy, as the pretrainer computes it.</param>
    /// <returns>The loss, and the KL term (mean over positions, before alpha and T²) without a graph.</returns>
    public static (Tensor Loss, double KlDivergence) Compute(Tensor studentLogits, Tensor crossEntropy, TeacherTargets teacher, double alpha, double temperature)
    {
        var kl = KlDivergence(studentLogits, teacher, temperature).mean();
        var loss = kl * (alpha * temperature * temperature) + crossEntropy * (1 - alpha);
        return (loss, kl.item<float>());
    }

    /// <summary>KL(teacher ‖ student) at temperature T per position [N], over the top k and the rest bucket.</summary>
    public static Tensor KlDivergence(Tensor studentLogits, TeacherTargets teacher, double temperature)
    {
        var device = studentLogits.device;
        int n = teacher.Positions, k = teacher.K;
        var ids = tensor(teacher.Ids, [n, k]).to(device);
        var teacherTop = tensor(teacher.LogProbabilities, [n, k]).to(device);
        var teacherRest = tensor(teacher.RestLogProbability, [n]).to(device);

        var scaled = studentLogits / temperature;
        var normaliser = scaled.logsumexp(-1, keepdim: true);
        var studentTop = scaled.gather(-1, ids) - normaliser;
        var inTop = zeros_like(scaled, dtype: ScalarType.Bool).scatter(-1, ids, ones_like(ids, dtype: ScalarType.Bool));
        var studentRest = scaled.masked_fill(inTop, double.NegativeInfinity).logsumexp(-1) - normaliser.squeeze(-1);

        return (teacherTop.exp() * (teacherTop - studentTop)).sum(-1) + teacherRest.exp() * (teacherRest - studentRest);
    }
}
