using System.Runtime.Intrinsics;

namespace SharpLM.Inference.Kernels;

/// <summary>
/// The softmax step of tiled attention for one query row and one key tile. A prompt's row meets a tile of at most
/// 64 scores, where the six vector primitives the step takes (scale, maximum, subtract, exp, sum, clear) each cost
/// more in call overhead than in arithmetic; these loops do it in two passes over the row with 256-bit vectors
/// (the portable loops where those are not accelerated). Sums run in a fixed order that depends only on the
/// row's own seen length, so a token's probabilities are the same alone and inside a prompt block.
/// </summary>
internal static unsafe class OnlineSoftmax
{
    /// <summary>Multiplies row[0..seen) by <paramref name="scale"/> in place and returns their maximum.</summary>
    public static float ScaleAndMaximum(float* row, int seen, float scale, bool simd = true)
    {
        if (!simd || !Vector256.IsHardwareAccelerated || seen < Vector256<float>.Count)
        {
            float max = float.NegativeInfinity;
            for (int j = 0; j < seen; j++) max = MathF.Max(max, row[j] *= scale);
            return max;
        }
        var scaleVector = Vector256.Create(scale);
        var maxima = Vector256.Create(float.NegativeInfinity);
        int k = 0;
        for (; k + Vector256<float>.Count <= seen; k += Vector256<float>.Count)
        {
            var scaled = Vector256.Load(row + k) * scaleVector;
            scaled.Store(row + k);
            maxima = Vector256.Max(maxima, scaled);
        }
        float result = Fold(maxima);
        for (; k < seen; k++) result = MathF.Max(result, row[k] *= scale);
        return result;
    }

    /// <summary>
    /// Replaces row[0..seen) by exp(row[j] − <paramref name="maximum"/>), zeroes row[seen..count) and returns the
    /// sum of the exponentials.
    /// </summary>
    public static float Exponentiate(float* row, int seen, int count, float maximum, bool simd = true)
    {
        float sum = 0;
        int k = 0;
        if (simd && Vector256.IsHardwareAccelerated)
        {
            var shift = Vector256.Create(maximum);
            var sums = Vector256<float>.Zero;
            for (; k + Vector256<float>.Count <= seen; k += Vector256<float>.Count)
            {
                var e = FastExp.Exp(Vector256.Load(row + k) - shift);
                e.Store(row + k);
                sums += e;
            }
            sum = Vector256.Sum(sums);
        }
        for (; k < seen; k++) sum += row[k] = FastExp.Exp(row[k] - maximum);
        new Span<float>(row + seen, count - seen).Clear();
        return sum;
    }

    private static float Fold(Vector256<float> v)
    {
        var half = Vector128.Max(v.GetLower(), v.GetUpper());
        half = Vector128.Max(half, Vector128.Shuffle(half, Vector128.Create(2, 3, 0, 1)));
        return MathF.Max(half.GetElement(0), half.GetElement(1));
    }
}
