using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SharpLM.Inference.Kernels;

/// <summary>
/// The two products of attention over a tile of query rows and a tile of cached positions, for one head: the
/// scores Q·Kᵀ and the probability-weighted sum of values P·V. Keys, values and queries are slices of wider rows
/// (one head of each position), hence the strides. A prompt's tile of 8 queries against 64 keys is small enough
/// that calling a vector primitive per (query, key) pair costs more than the arithmetic, so both products are
/// register-blocked: the scores reuse the float32 weight kernel's four × three micro-kernel (four keys, three
/// queries), and the weighted sum keeps four rows × sixteen dimensions of output in registers while the values stream past.
/// </summary>
internal static unsafe class AttentionBlocks
{
    /// <summary>
    /// scores[i·scoreStride + j] = query i · key j, for i &lt; <paramref name="queries"/>, j &lt; <paramref name="keys"/>,
    /// over <paramref name="dimensions"/> values. <paramref name="simd"/> false runs the portable loops (for tests).
    /// </summary>
    public static void Scores(float* query, long queryStride, int queries, float* key, long keyStride, int keys, int dimensions,
        float* scores, int scoreStride, bool simd = true)
    {
        bool wide = F32Matrix.WideByDefault;
        if (!Fma.IsSupported || !simd || dimensions < 8)
        {
            for (int i = 0; i < queries; i++)
                for (int j = 0; j < keys; j++)
                    scores[i * scoreStride + j] = Scalar.Dot(query + i * queryStride, key + j * keyStride, dimensions);
            return;
        }
        int j0 = 0;
        for (; j0 + 4 <= keys; j0 += 4)
        {
            float* k = key + j0 * keyStride;
            int i = 0;
            for (; i + 3 <= queries; i += 3)
                F32Matrix.FourRowsThreeVectors(k, keyStride, query + i * queryStride, queryStride, dimensions, scores + i * scoreStride + j0, scoreStride,
                    wide);
            for (; i < queries; i++) F32Matrix.FourRows(k, keyStride, query + i * queryStride, scores + i * scoreStride + j0, dimensions, wide);
        }
        // The keys left over take the blocks' arithmetic one at a time: a key's score must not depend on how many
        // keys the tile holds, or a prompt's rows would differ from the same tokens decoded one by one.
        for (; j0 < keys; j0++)
            for (int i = 0; i < queries; i++)
                scores[i * scoreStride + j0] = F32Matrix.Dot(query + i * queryStride, key + j0 * keyStride, dimensions, wide);
    }

    /// <summary>
    /// output[i·outputStride + d] += Σ_j p[i·probabilityStride + j] · value j [d], for i &lt; <paramref name="rows"/>,
    /// j &lt; <paramref name="keys"/>, d &lt; <paramref name="dimensions"/>. <paramref name="simd"/> false runs the portable loops (for tests).
    /// </summary>
    public static void AddWeightedValues(float* p, int probabilityStride, int rows, float* value, long valueStride, int keys, int dimensions,
        float* output, int outputStride, bool simd = true)
    {
        simd &= Fma.IsSupported;
        int i = 0;
        if (simd)
            for (; i + 4 <= rows; i += 4)
            {
                int d = 0;
                for (; d + 16 <= dimensions; d += 16)
                    FourRowsSixteen(p + i * probabilityStride, probabilityStride, value + d, valueStride, keys, output + i * outputStride + d, outputStride);
                // Each output value sums its terms in the same order on every path, so a row's result does not
                // depend on how many rows share its tile (one decoded token equals that token inside a prompt block).
                for (; d + 8 <= dimensions; d += 8)
                    for (int r = i; r < i + 4; r++) OneRowEight(p + r * probabilityStride, value + d, valueStride, keys, output + r * outputStride + d);
                for (; d < dimensions; d++)
                    for (int r = i; r < i + 4; r++) output[r * outputStride + d] += WeightedSum(p + r * probabilityStride, value + d, valueStride, keys);
            }
        for (; i < rows; i++)
        {
            int d = 0;
            if (simd)
                for (; d + 8 <= dimensions; d += 8) OneRowEight(p + i * probabilityStride, value + d, valueStride, keys, output + i * outputStride + d);
            for (; d < dimensions; d++) output[i * outputStride + d] += WeightedSum(p + i * probabilityStride, value + d, valueStride, keys);
        }
    }

    private static void OneRowEight(float* p, float* value, long valueStride, int keys, float* output)
    {
        var sum = Vector256<float>.Zero;
        for (int j = 0; j < keys; j++) sum = Fma.MultiplyAdd(Vector256.Create(p[j]), Avx.LoadVector256(value + j * valueStride), sum);
        Avx.Store(output, Avx.Add(Avx.LoadVector256(output), sum));
    }

    /// <summary>Four output rows × sixteen dimensions: per key two value loads and four broadcasts feed eight multiply-adds.</summary>
    private static void FourRowsSixteen(float* p, int probabilityStride, float* value, long valueStride, int keys, float* output, int outputStride)
    {
        float* p0 = p, p1 = p + probabilityStride, p2 = p + 2 * probabilityStride, p3 = p + 3 * probabilityStride;
        Vector256<float> a00 = Vector256<float>.Zero, a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        for (int j = 0; j < keys; j++)
        {
            float* v = value + j * valueStride;
            var lo = Avx.LoadVector256(v);
            var hi = Avx.LoadVector256(v + 8);
            var b = Vector256.Create(p0[j]);
            a00 = Fma.MultiplyAdd(b, lo, a00);
            a01 = Fma.MultiplyAdd(b, hi, a01);
            b = Vector256.Create(p1[j]);
            a10 = Fma.MultiplyAdd(b, lo, a10);
            a11 = Fma.MultiplyAdd(b, hi, a11);
            b = Vector256.Create(p2[j]);
            a20 = Fma.MultiplyAdd(b, lo, a20);
            a21 = Fma.MultiplyAdd(b, hi, a21);
            b = Vector256.Create(p3[j]);
            a30 = Fma.MultiplyAdd(b, lo, a30);
            a31 = Fma.MultiplyAdd(b, hi, a31);
        }
        Add(output, a00, a01);
        Add(output + outputStride, a10, a11);
        Add(output + 2 * outputStride, a20, a21);
        Add(output + 3 * outputStride, a30, a31);
    }

    private static void Add(float* y, Vector256<float> lo, Vector256<float> hi)
    {
        Avx.Store(y, Avx.Add(Avx.LoadVector256(y), lo));
        Avx.Store(y + 8, Avx.Add(Avx.LoadVector256(y + 8), hi));
    }

    private static float WeightedSum(float* p, float* value, long valueStride, int keys)
    {
        float sum = 0;
        for (int j = 0; j < keys; j++) sum += p[j] * value[j * valueStride];
        return sum;
    }
}
