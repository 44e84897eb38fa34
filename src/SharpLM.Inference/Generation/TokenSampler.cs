namespace SharpLM.Inference.Generation;

/// <summary>
/// Picks the next token from a logit vector: greedy when temperature is 0, otherwise softmax(logits / T)
/// restricted to the top-k tokens and sampled with a seeded generator, so a seed reproduces a sample.
/// </summary>
public sealed class TokenSampler
{
    private readonly SamplingOptions _options;
    private readonly Random _random;

    public TokenSampler(SamplingOptions options)
    {
        options.Validate();
        _options = options;
        _random = new Random(unchecked((int)options.Seed));
    }

    public int Next(ReadOnlySpan<float> logits)
    {
        if (_options.Temperature == 0) return ArgMax(logits);
        int k = _options.TopK == 0 ? logits.Length : Math.Min(_options.TopK, logits.Length);
        var candidates = new int[logits.Length];
        for (int i = 0; i < candidates.Length; i++) candidates[i] = i;
        var keys = logits.ToArray();
        // Sort candidates by descending logit; ties keep the lower id first (Array.Sort is not stable, the key tuple makes it so).
        var order = candidates.OrderByDescending(i => keys[i]).ThenBy(i => i).Take(k).ToArray();
        double max = keys[order[0]];
        var weights = new double[order.Length];
        double sum = 0;
        for (int i = 0; i < order.Length; i++) sum += weights[i] = Math.Exp((keys[order[i]] - max) / _options.Temperature);
        double draw = _random.NextDouble() * sum;
        for (int i = 0; i < order.Length; i++)
        {
            draw -= weights[i];
            if (draw <= 0) return order[i];
        }
        return order[^1];
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }
}
