namespace SharpLM.Inference;

/// <summary>Values for random-weight models (benchmarks, tests), where only the shape matters.</summary>
internal static class RandomWeights
{
    /// <summary>Normal values with standard deviation 0.02 (Box–Muller, two values per pair of draws), as models are initialised.</summary>
    public static float[] Normal(Random random, long count)
    {
        var values = new float[count];
        for (long i = 0; i < count; i += 2)
        {
            double u = 1 - random.NextDouble(), v = random.NextDouble(), r = Math.Sqrt(-2 * Math.Log(u)) * 0.02;
            values[i] = (float)(r * Math.Cos(2 * Math.PI * v));
            if (i + 1 < count) values[i + 1] = (float)(r * Math.Sin(2 * Math.PI * v));
        }
        return values;
    }

    public static float[] Ones(long count) => Enumerable.Repeat(1f, checked((int)count)).ToArray();
}
