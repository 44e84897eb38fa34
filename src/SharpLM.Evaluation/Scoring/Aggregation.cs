namespace SharpLM.Evaluation.Scoring;

/// <summary>
/// lm-eval's aggregations of per-document metric values and their standard errors: the sample standard deviation
/// over √n for means, a seeded bootstrap for perplexity, none (reported "N/A") for the weighted ratios or n ≤ 1.
/// </summary>
public static class Aggregation
{
    public static double Aggregate(string aggregation, IReadOnlyList<double[]> items) => aggregation switch
    {
        "mean" => items.Average(i => i[0]),
        "perplexity" => Math.Exp(-items.Average(i => i[0])),
        "weighted_perplexity" => Math.Exp(-items.Sum(i => i[0]) / items.Sum(i => i[1])),
        "bits_per_byte" => -items.Sum(i => i[0]) / items.Sum(i => i[1]) / Math.Log(2),
        _ => throw new SharpLM.Core.SharpLMException($"aggregation '{aggregation}' is not supported (mean, perplexity, weighted_perplexity, bits_per_byte)."),
    };

    /// <summary>The standard error, or null where lm-eval reports "N/A".</summary>
    public static double? StandardError(string aggregation, IReadOnlyList<double[]> items, int bootstrapIterations, int seed = 1234)
    {
        if (items.Count <= 1) return null;
        switch (aggregation)
        {
            case "mean":
            {
                double mean = items.Average(i => i[0]);
                double variance = items.Sum(i => (i[0] - mean) * (i[0] - mean)) / (items.Count - 1);
                return Math.Sqrt(variance / items.Count);
            }
            case "perplexity" when bootstrapIterations > 0:
            {
                var random = new Random(seed);
                var resample = new double[items.Count][];
                var values = new double[bootstrapIterations];
                for (int b = 0; b < bootstrapIterations; b++)
                {
                    for (int i = 0; i < items.Count; i++) resample[i] = items[random.Next(items.Count)];
                    values[b] = Aggregate(aggregation, resample);
                }
                double mean = values.Average();
                return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));
            }
            default:
                return null;
        }
    }
}
