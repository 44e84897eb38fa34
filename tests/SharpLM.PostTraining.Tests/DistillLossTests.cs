using SharpLM.PostTraining.Distillation;
using SharpLM.Training.Pretraining;
using static TorchSharp.torch;

namespace SharpLM.PostTraining.Tests;

using static Tolerance;

public class DistillLossTests
{
    private const int Vocabulary = 7, Positions = 3, K = 3;

    private static float[][] RandomRows(Random random) =>
        Enumerable.Range(0, Positions).Select(_ => Enumerable.Range(0, Vocabulary).Select(_ => (float)(random.NextDouble() * 6 - 3)).ToArray()).ToArray();

    private static TeacherTargets Targets(float[][] teacher, double temperature)
    {
        var targets = TeacherTargets.Allocate(teacher.Length, K);
        var scratch = new bool[Vocabulary];
        for (int p = 0; p < teacher.Length; p++) targets.Set(p, teacher[p], temperature, scratch);
        return targets;
    }

    private static double[] Softmax(float[] logits, double temperature)
    {
        double max = logits.Max();
        var e = logits.Select(v => Math.Exp((v - max) / temperature)).ToArray();
        double sum = e.Sum();
        return e.Select(v => v / sum).ToArray();
    }

    /// <summary>The KL over the teacher's top k and one bucket for the rest, written out from the definition in doubles.</summary>
    private static double HandKl(float[] teacher, float[] student, double temperature)
    {
        var p = Softmax(teacher, temperature);
        var q = Softmax(student, temperature);
        var top = Enumerable.Range(0, Vocabulary).OrderByDescending(i => teacher[i]).Take(K).ToArray();
        double pRest = 1 - top.Sum(i => p[i]), qRest = 1 - top.Sum(i => q[i]);
        return top.Sum(i => p[i] * Math.Log(p[i] / q[i])) + pRest * Math.Log(pRest / qRest);
    }

    private static (double Loss, double Kl) Production(float[][] teacher, float[][] student, int[] targets, double alpha, double temperature)
    {
        using var scope = NewDisposeScope();
        var logits = tensor(student.SelectMany(r => r).ToArray(), [1, Positions, Vocabulary]);
        var crossEntropy = TokenWindowObjective.CrossEntropy(logits, tensor(targets.Select(t => (long)t).ToArray(), [1, Positions]));
        var (loss, kl) = DistillationLoss.Compute(logits.view(Positions, Vocabulary), crossEntropy, Targets(teacher, temperature), alpha, temperature);
        return (loss.item<float>(), kl);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(2.0)]
    [InlineData(4.0)]
    public void The_loss_equals_a_hand_computation_and_scales_the_kl_by_t_squared(double temperature)
    {
        var random = new Random(4);
        var teacher = RandomRows(random);
        var student = RandomRows(random);
        int[] targets = [2, 5, 0];
        double handKl = Enumerable.Range(0, Positions).Average(p => HandKl(teacher[p], student[p], temperature));
        double handCe = Enumerable.Range(0, Positions).Average(p => -Math.Log(Softmax(student[p], 1)[targets[p]]));
        Assert.True(handKl > 0.01);

        var (loss, kl) = Production(teacher, student, targets, alpha: 0.3, temperature);
        Near(handKl, kl, 1e-5);
        Near(0.3 * temperature * temperature * handKl + 0.7 * handCe, loss, 1e-5);
        // alpha 1: the soft term alone, T² times the KL at T.
        Near(temperature * temperature * handKl, Production(teacher, student, targets, alpha: 1, temperature).Loss, 1e-5 * temperature * temperature);
        // alpha 0: the data's cross-entropy alone.
        Near(handCe, Production(teacher, student, targets, alpha: 0, temperature).Loss, 1e-5);
    }

    [Fact]
    public void The_kl_is_zero_when_the_student_is_the_teacher_and_the_rest_bucket_keeps_the_teachers_tail()
    {
        var teacher = RandomRows(new Random(8));
        Near(0, Production(teacher, teacher, [0, 1, 2], alpha: 1, temperature: 2).Kl, 1e-6);

        // The teacher's probabilities on its top k and the tail's total, the tail's tokens shuffled: nothing the top k
        // and a rest bucket can see differs, so the KL is 0. Renormalising the teacher over its top k would instead
        // charge this student log(1 / Σ p_top) for the mass it rightly leaves outside.
        var shuffled = teacher.Select(row =>
        {
            var tail = Enumerable.Range(0, Vocabulary).OrderByDescending(i => row[i]).Skip(K).OrderBy(i => i).ToArray();
            var copy = row.ToArray();
            for (int j = 0; j < tail.Length; j++) copy[tail[j]] = row[tail[tail.Length - 1 - j]];
            return copy;
        }).ToArray();
        Assert.NotEqual(teacher[0], shuffled[0]);
        Near(0, Production(teacher, shuffled, [0, 1, 2], alpha: 1, temperature: 2).Kl, 1e-6);
        // A student that puts more mass on the tail than the teacher does is charged for it.
        var heavierTail = teacher.Select(row =>
        {
            float kth = row.OrderByDescending(v => v).ElementAt(K - 1);
            return row.Select(v => v < kth ? v + 1.5f : v).ToArray();
        }).ToArray();
        Assert.True(Production(teacher, heavierTail, [0, 1, 2], alpha: 1, temperature: 2).Kl > 1e-3);
    }

    [Fact]
    public void Top_k_selection_takes_the_largest_first_and_the_lower_id_on_ties()
    {
        float[] row = [0.5f, 2f, -1f, 2f, 1f, 0.5f];
        var ids = new long[4];
        var values = new float[4];
        TopKSelection.Select(row, ids, values);
        Assert.Equal([1L, 3, 4, 0], ids);
        Assert.Equal([2f, 2f, 1f, 0.5f], values);
    }
}
