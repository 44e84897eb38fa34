using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SharpLM.Inference.Kernels;

/// <summary>
/// Group-wise int8 quantization of activation vectors (one scale max|x| / 127 per 32 values, as ggml's q8_0),
/// done once per product so the quantized kernels can multiply bytes by bytes; and the AVX2 group dot product.
/// </summary>
internal static unsafe class Int8Groups
{
    /// <summary>Quantizes <paramref name="count"/> values (a multiple of 32) into codes, per-group scales and per-group code sums.</summary>
    public static void Quantize(float* values, int count, sbyte* codes, float* scales, int* sums)
    {
        for (int g = 0; g < count / WeightMatrix.GroupSize; g++)
        {
            float* x = values + g * WeightMatrix.GroupSize;
            float max = 0;
            if (Avx.IsSupported)
            {
                var mask = Vector256.Create(0x7FFFFFFF).AsSingle();
                var m = Avx.Max(Avx.And(Avx.LoadVector256(x), mask), Avx.And(Avx.LoadVector256(x + 8), mask));
                m = Avx.Max(m, Avx.Max(Avx.And(Avx.LoadVector256(x + 16), mask), Avx.And(Avx.LoadVector256(x + 24), mask)));
                var half = Sse.Max(m.GetLower(), m.GetUpper());
                half = Sse.Max(half, Sse.Shuffle(half, half, 0b_01_00_11_10));
                max = Sse.Max(half, Sse.Shuffle(half, half, 0b_10_11_00_01)).ToScalar();
            }
            else
                for (int i = 0; i < WeightMatrix.GroupSize; i++) max = MathF.Max(max, MathF.Abs(x[i]));
            float scale = max / 127f, inverse = max == 0 ? 0 : 127f / max;
            sbyte* q = codes + g * WeightMatrix.GroupSize;
            int sum = 0;
            if (Avx2.IsSupported)
                sum = RoundToCodes(x, inverse, q);
            else
                for (int i = 0; i < WeightMatrix.GroupSize; i++)
                {
                    int code = (int)MathF.Round(x[i] * inverse);
                    q[i] = (sbyte)code;
                    sum += code;
                }
            scales[g] = scale;
            sums[g] = sum;
        }
    }

    /// <summary>
    /// Writes round(x·inverse) for 32 values as bytes and returns their sum. The conversion rounds half to even,
    /// as <see cref="MathF.Round(float)"/> does; the two packs interleave 128-bit lanes, which the final permutation undoes.
    /// </summary>
    private static int RoundToCodes(float* x, float inverse, sbyte* codes)
    {
        var scale = Vector256.Create(inverse);
        var q0 = Avx.ConvertToVector256Int32(Avx.Multiply(Avx.LoadVector256(x), scale));
        var q1 = Avx.ConvertToVector256Int32(Avx.Multiply(Avx.LoadVector256(x + 8), scale));
        var q2 = Avx.ConvertToVector256Int32(Avx.Multiply(Avx.LoadVector256(x + 16), scale));
        var q3 = Avx.ConvertToVector256Int32(Avx.Multiply(Avx.LoadVector256(x + 24), scale));
        var packed = Avx2.PackSignedSaturate(Avx2.PackSignedSaturate(q0, q1), Avx2.PackSignedSaturate(q2, q3));
        var ordered = Avx2.PermuteVar8x32(packed.AsInt32(), Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7));
        Avx.Store(codes, ordered.AsSByte());
        return Vector256.Sum(Avx2.Add(Avx2.Add(q0, q1), Avx2.Add(q2, q3)));
    }

    /// <summary>Σ w·x over 32 signed bytes each (|w| ≤ 127), as eight int32 partial sums: |w|·sign(x, w) through the unsigned×signed multiply-add.</summary>
    public static Vector256<int> DotSigned(Vector256<sbyte> w, Vector256<sbyte> x) =>
        Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(Avx2.Abs(w), Avx2.Sign(x, w)), Vector256.Create((short)1));

    /// <summary>Σ u·x over 32 unsigned bytes u (≤ 127) and 32 signed bytes x, as eight int32 partial sums.</summary>
    public static Vector256<int> DotUnsigned(Vector256<byte> u, Vector256<sbyte> x) =>
        Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, x), Vector256.Create((short)1));
}
