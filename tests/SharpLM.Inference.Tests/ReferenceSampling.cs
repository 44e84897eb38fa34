using SharpLM.Inference.Generation;

namespace SharpLM.Inference.Tests;

/// <summary>
/// The distribution <see cref="SamplingOptions"/> describes, computed the plain way (in doubles, with LINQ) as
/// an oracle for the sampler: penalties, temperature, top-k, top-p, min-p, then normalisation.
/// </summary>
internal static class ReferenceSampling
{
    public static double[] Distribution(IReadOnlyList<float> logits, IReadOnlyList<int> context, SamplingOptions options)
    {
        var values = logits.Select(l => (double)l).ToArray();
        foreach (var group in context.GroupBy(t => t))
        {
            double v = values[group.Key];
            if (options.RepetitionPenalty != 1) v = v > 0 ? v / options.RepetitionPenalty : v * options.RepetitionPenalty;
            values[group.Key] = v - options.FrequencyPenalty * group.Count() - options.PresencePenalty;
        }
        var result = new double[values.Length];
        var order = Enumerable.Range(0, values.Length).OrderByDescending(i => values[i]).ThenBy(i => i).ToList();
        if (options.Temperature == 0)
        {
            result[order[0]] = 1;
            return result;
        }
        if (options.TopK > 0) order = order.Take(options.TopK).ToList();
        var weights = order.Select(i => Math.Exp((values[i] - values[order[0]]) / options.Temperature)).ToList();
        if (options.TopP < 1)
        {
            double sum = weights.Sum(), cumulative = 0;
            int keep = 0;
            while (keep < weights.Count && cumulative < options.TopP) cumulative += weights[keep++] / sum;
            order = order.Take(keep).ToList();
            weights = weights.Take(keep).ToList();
        }
        if (options.MinP > 0)
        {
            double floor = options.MinP * weights[0];
            int keep = Math.Max(1, weights.Count(w => w >= floor));
            order = order.Take(keep).ToList();
            weights = weights.Take(keep).ToList();
        }
        double total = weights.Sum();
        for (int i = 0; i < order.Count; i++) result[order[i]] = weights[i] / total;
        return result;
    }

    /// <summary>log-softmax, directly from the definition.</summary>
    public static double[] LogSoftmax(IReadOnlyList<float> logits)
    {
        double max = logits.Max();
        double log = Math.Log(logits.Sum(l => Math.Exp(l - max)));
        return logits.Select(l => l - max - log).ToArray();
    }
}
