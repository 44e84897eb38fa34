namespace SharpLM.Inference.Kernels;

/// <summary>Portable loops the SIMD kernels fall back to on processors without AVX2/FMA.</summary>
internal static unsafe class Scalar
{
    public static float Dot(float* w, float* x, int count)
    {
        float sum = 0;
        for (int i = 0; i < count; i++) sum += w[i] * x[i];
        return sum;
    }

    /// <summary>Σ w·x over one group of int8 codes.</summary>
    public static int Dot(sbyte* w, sbyte* x, int count)
    {
        int sum = 0;
        for (int i = 0; i < count; i++) sum += w[i] * x[i];
        return sum;
    }
}
