using System.Numerics.Tensors;

namespace SharpLM.Inference.Gpt2;

/// <summary>
/// GPT-2's feed-forward activations, in place: the tanh approximation (activation_function "gelu_new" or
/// "gelu_pytorch_tanh", what GPT-2 was trained with) and the exact erf form ("gelu").
/// </summary>
public static class Gelu
{
    /// <summary>0.5 · x · (1 + tanh(sqrt(2/π) · (x + 0.044715 · x³))), vectorised through a scratch buffer.</summary>
    public static void Tanh(Span<float> x, Span<float> scratch)
    {
        const float SqrtTwoOverPi = 0.7978845608028654f;
        var u = scratch[..x.Length];
        TensorPrimitives.Multiply(x, x, u);
        TensorPrimitives.Multiply(u, 0.044715f * SqrtTwoOverPi, u);
        TensorPrimitives.Add(u, SqrtTwoOverPi, u); // sqrt(2/π) · (1 + 0.044715 x²)
        TensorPrimitives.Multiply(u, x, u);
        TensorPrimitives.Tanh(u, u);
        TensorPrimitives.Multiply(u, 0.5f, u);
        TensorPrimitives.Add(u, 0.5f, u);
        TensorPrimitives.Multiply(x, u, x);
    }

    /// <summary>0.5 · x · (1 + erf(x / sqrt 2)), the exact GELU.</summary>
    public static void Exact(Span<float> x)
    {
        for (int i = 0; i < x.Length; i++) x[i] = (float)(0.5 * x[i] * (1 + Erf(x[i] * 0.7071067811865476)));
    }

    /// <summary>
    /// erf by Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7, about float32's resolution near erf's
    /// range), since .NET has no erf.
    /// </summary>
    private static double Erf(double x)
    {
        double sign = Math.Sign(x), a = Math.Abs(x);
        double t = 1 / (1 + 0.3275911 * a);
        double poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
        return sign * (1 - poly * Math.Exp(-a * a));
    }
}
