namespace SharpLM.PostTraining.Rl;

/// <summary>
/// GRPO's advantages: each completion's reward against the other completions of its prompt,
/// A = (r − mean) / (std + 1e-4), with the sample (Bessel-corrected) standard deviation of the group as torch's
/// std() takes it; TRL's scale_rewards "group", its default.
/// </summary>
public static class GroupAdvantages
{
    public const double Epsilon = 1e-4;

    /// <summary>Advantages in the order of <paramref name="rewards"/> (groups of <paramref name="groupSize"/> consecutive rewards), and each group's std.</summary>
    public static (double[] Advantages, double[] GroupStd) Compute(IReadOnlyList<double> rewards, int groupSize)
    {
        if (groupSize < 2) throw new ArgumentOutOfRangeException(nameof(groupSize), "a group needs at least two completions.");
        if (rewards.Count % groupSize != 0) throw new ArgumentException("the rewards do not fill whole groups.", nameof(rewards));
        var advantages = new double[rewards.Count];
        var stds = new double[rewards.Count / groupSize];
        for (int g = 0; g < stds.Length; g++)
        {
            double mean = 0;
            for (int i = 0; i < groupSize; i++) mean += rewards[g * groupSize + i];
            mean /= groupSize;
            double squares = 0;
            for (int i = 0; i < groupSize; i++) squares += Math.Pow(rewards[g * groupSize + i] - mean, 2);
            stds[g] = Math.Sqrt(squares / (groupSize - 1));
            for (int i = 0; i < groupSize; i++) advantages[g * groupSize + i] = (rewards[g * groupSize + i] - mean) / (stds[g] + Epsilon);
        }
        return (advantages, stds);
    }
}
