using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SharpLM.Inference.Kernels;

/// <summary>
/// 4-bit weights, symmetric, group-wise: each group of 32 values has one scale d and 4-bit codes u in 0..15 with
/// value = d·(u − 8). As in ggml's Q4_0, d = m / −8 where m is the group's value of largest magnitude, so that
/// value maps to code 0 exactly and the other side of zero reaches +7·|d|; d is rounded to half precision (the
/// file stores it as F16). A group packs into 16 bytes: byte j holds value j in its low nibble and value j + 16
/// in its high nibble, so two masks and one shift give the 32 codes in order.
///
/// The kernel multiplies the unsigned codes directly by the int8-quantized activations and corrects with
/// Σ(u − 8)·x = Σu·x − 8·Σx, using the activation group's code sum computed once per product.
/// </summary>
public sealed class Q4Matrix : WeightMatrix
{
    public const int BytesPerGroup = GroupSize / 2;

    /// <summary>[rows, columns / 2] packed codes.</summary>
    public byte[] Packed { get; }
    /// <summary>[rows, columns / 32] group scales.</summary>
    public float[] Scales { get; }

    public Q4Matrix(byte[] packed, float[] scales, int rows, int columns) : base(rows, columns)
    {
        if (columns % GroupSize != 0) throw new ArgumentException($"Q4 needs a multiple of {GroupSize} columns (got {columns}).");
        if (packed.LongLength != (long)rows * columns / 2 || scales.LongLength != (long)rows * columns / GroupSize)
            throw new ArgumentException($"Q4 {rows}×{columns}: {packed.Length} bytes and {scales.Length} scales do not fit.");
        Packed = packed;
        Scales = scales;
    }

    public static Q4Matrix Quantize(float[] values, int rows, int columns)
    {
        if (columns % GroupSize != 0) throw new ArgumentException($"Q4 needs a multiple of {GroupSize} columns (got {columns}).");
        long count = (long)rows * columns;
        var packed = new byte[count / 2];
        var scales = new float[count / GroupSize];
        Span<int> codes = stackalloc int[GroupSize];
        for (long g = 0; g < scales.LongLength; g++)
        {
            var group = values.AsSpan((int)(g * GroupSize), GroupSize);
            float extreme = 0;
            foreach (float v in group) if (MathF.Abs(v) > MathF.Abs(extreme)) extreme = v;
            float d = (float)(Half)(extreme / -8f);
            float inverse = d == 0 ? 0 : 1f / d;
            for (int i = 0; i < GroupSize; i++) codes[i] = Math.Clamp((int)MathF.Round(group[i] * inverse) + 8, 0, 15);
            for (int j = 0; j < BytesPerGroup; j++) packed[g * BytesPerGroup + j] = (byte)(codes[j] | (codes[j + BytesPerGroup] << 4));
            scales[g] = d;
        }
        return new Q4Matrix(packed, scales, rows, columns);
    }

    public override WeightFormat Format => WeightFormat.Q4;

    public override long ByteCount => Packed.LongLength + 4L * Scales.LongLength;

    public override void DequantizeRow(int row, Span<float> destination)
    {
        int groups = Columns / GroupSize;
        for (int g = 0; g < groups; g++)
        {
            float d = Scales[row * groups + g];
            int offset = (row * groups + g) * BytesPerGroup;
            for (int j = 0; j < BytesPerGroup; j++)
            {
                byte b = Packed[offset + j];
                destination[g * GroupSize + j] = d * ((b & 0xF) - 8);
                destination[g * GroupSize + j + BytesPerGroup] = d * ((b >> 4) - 8);
            }
        }
    }

    internal override unsafe void MultiplyRows(in ProductInput input, float* output, int outputStride, int start, int end)
    {
        int groups = Columns / GroupSize;
        fixed (byte* packed = Packed)
        fixed (float* scales = Scales)
        {
            bool simd = Avx2.IsSupported && input.Simd;
            int r = start;
            if (simd && input.Count >= ProductInput.BlockVectors)
                for (; r + 2 <= end; r += 2)
                {
                    byte* w = packed + (long)r * groups * BytesPerGroup;
                    float* ws = scales + (long)r * groups;
                    int t = 0;
                    for (; t + 4 <= input.Count; t += 4) TwoRowsFourVectors(w, ws, groups, input, t, output + (long)t * outputStride + r, outputStride);
                    for (; t < input.Count; t++)
                    {
                        output[(long)t * outputStride + r] = RowDot(w, ws, input.VectorCodes(t), input.VectorScales(t), input.VectorSums(t), groups);
                        output[(long)t * outputStride + r + 1] = RowDot(w + groups * BytesPerGroup, ws + groups, input.VectorCodes(t), input.VectorScales(t),
                            input.VectorSums(t), groups);
                    }
                }
            for (; r < end; r++)
            {
                byte* w = packed + (long)r * groups * BytesPerGroup;
                float* ws = scales + (long)r * groups;
                int t = 0;
                if (simd)
                    for (; t + 4 <= input.Count; t += 4) FourVectors(w, ws, input, t, groups, output + (long)t * outputStride + r, outputStride);
                for (; t < input.Count; t++)
                    output[(long)t * outputStride + r] = simd
                        ? RowDot(w, ws, input.VectorCodes(t), input.VectorScales(t), input.VectorSums(t), groups)
                        : ScalarRowDot(w, ws, input.VectorCodes(t), input.VectorScales(t), groups);
            }
        }
    }

    /// <summary>
    /// Rows r, r + 1 against vectors t..t+3 (a prompt block), as <see cref="Q8Matrix"/>'s prompt kernel: each
    /// activation group loaded once for both rows, each weight group unpacked once for four vectors, the eight
    /// scale products from two multiplies of the group-major activation scales, and the eight corrections
    /// (scale product × activation code sum) accumulated four at a time.
    /// </summary>
    private static unsafe void TwoRowsFourVectors(byte* w, float* ws, int groups, in ProductInput input, int t, float* output, int stride)
    {
        byte* w0 = w, w1 = w + groups * BytesPerGroup;
        float* ws0 = ws, ws1 = ws + groups;
        int columns = input.Columns;
        sbyte* x0 = input.VectorCodes(t), x1 = x0 + columns, x2 = x1 + columns, x3 = x2 + columns;
        float* xs = input.ScalesOfGroup(0, t), xm = input.SumsOfGroup(0, t);
        int scaleStride = input.ScaleStride;
        float* d = stackalloc float[8];
        Vector256<float> a00 = Vector256<float>.Zero, a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        Vector128<float> c0 = Vector128<float>.Zero, c1 = c0;
        for (int g = 0; g < groups; g++)
        {
            var s = Sse.LoadVector128(xs + (long)g * scaleStride);
            var m = Sse.LoadVector128(xm + (long)g * scaleStride);
            var e0 = s * ws0[g];
            var e1 = s * ws1[g];
            e0.Store(d);
            e1.Store(d + 4);
            c0 += e0 * m;
            c1 += e1 * m;
            int offset = g * GroupSize;
            var u0 = Unpack(w0 + g * BytesPerGroup);
            var u1 = Unpack(w1 + g * BytesPerGroup);
            var v = Avx.LoadVector256(x0 + offset);
            a00 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(Int8Groups.DotUnsigned(u0, v)), Vector256.Create(d[0]), a00);
            a10 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(Int8Groups.DotUnsigned(u1, v)), Vector256.Create(d[4]), a10);
            v = Avx.LoadVector256(x1 + offset);
            a01 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(Int8Groups.DotUnsigned(u0, v)), Vector256.Create(d[1]), a01);
            a11 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(Int8Groups.DotUnsigned(u1, v)), Vector256.Create(d[5]), a11);
            v = Avx.LoadVector256(x2 + offset);
            a02 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(Int8Groups.DotUnsigned(u0, v)), Vector256.Create(d[2]), a02);
            a12 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(Int8Groups.DotUnsigned(u1, v)), Vector256.Create(d[6]), a12);
            v = Avx.LoadVector256(x3 + offset);
            a03 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(Int8Groups.DotUnsigned(u0, v)), Vector256.Create(d[3]), a03);
            a13 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(Int8Groups.DotUnsigned(u1, v)), Vector256.Create(d[7]), a13);
        }
        var y0 = F32Matrix.Reduce4(a00, a01, a02, a03) - 8 * c0;
        var y1 = F32Matrix.Reduce4(a10, a11, a12, a13) - 8 * c1;
        for (int k = 0; k < 4; k++)
        {
            output[k * (long)stride] = y0.GetElement(k);
            output[k * (long)stride + 1] = y1.GetElement(k);
        }
    }

    private static unsafe Vector256<byte> Unpack(byte* group)
    {
        var bytes = Sse2.LoadVector128(group);
        var mask = Vector128.Create((byte)0x0F);
        return Vector256.Create(Sse2.And(bytes, mask), Sse2.And(Sse2.ShiftRightLogical(bytes.AsUInt16(), 4).AsByte(), mask));
    }

    private static unsafe float RowDot(byte* w, float* ws, sbyte* x, float* xs, int* xsums, int groups)
    {
        var a0 = Vector256<float>.Zero;
        var a1 = a0;
        float correction = 0;
        int g = 0;
        for (; g + 2 <= groups; g += 2)
        {
            float s0 = ws[g] * xs[g], s1 = ws[g + 1] * xs[g + 1];
            var p0 = Int8Groups.DotUnsigned(Unpack(w + g * BytesPerGroup), Avx.LoadVector256(x + g * GroupSize));
            var p1 = Int8Groups.DotUnsigned(Unpack(w + (g + 1) * BytesPerGroup), Avx.LoadVector256(x + (g + 1) * GroupSize));
            a0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(p0), Vector256.Create(s0), a0);
            a1 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(p1), Vector256.Create(s1), a1);
            correction += s0 * xsums[g] + s1 * xsums[g + 1];
        }
        for (; g < groups; g++)
        {
            float s = ws[g] * xs[g];
            var p = Int8Groups.DotUnsigned(Unpack(w + g * BytesPerGroup), Avx.LoadVector256(x + g * GroupSize));
            a0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(p), Vector256.Create(s), a0);
            correction += s * xsums[g];
        }
        return Vector256.Sum(a0 + a1) - 8 * correction;
    }

    /// <summary>One row against vectors t..t+3 (a prompt block): each weight group is unpacked once for all four.</summary>
    private static unsafe void FourVectors(byte* w, float* ws, in ProductInput input, int t, int groups, float* output, int stride)
    {
        sbyte* x0 = input.VectorCodes(t), x1 = input.VectorCodes(t + 1), x2 = input.VectorCodes(t + 2), x3 = input.VectorCodes(t + 3);
        float* s0 = input.VectorScales(t), s1 = input.VectorScales(t + 1), s2 = input.VectorScales(t + 2), s3 = input.VectorScales(t + 3);
        int* m0 = input.VectorSums(t), m1 = input.VectorSums(t + 1), m2 = input.VectorSums(t + 2), m3 = input.VectorSums(t + 3);
        var a0 = Vector256<float>.Zero;
        Vector256<float> a1 = a0, a2 = a0, a3 = a0;
        float c0 = 0, c1 = 0, c2 = 0, c3 = 0;
        for (int g = 0; g < groups; g++)
        {
            int offset = g * GroupSize;
            var u = Unpack(w + g * BytesPerGroup);
            float d = ws[g], e0 = d * s0[g], e1 = d * s1[g], e2 = d * s2[g], e3 = d * s3[g];
            a0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(Int8Groups.DotUnsigned(u, Avx.LoadVector256(x0 + offset))), Vector256.Create(e0), a0);
            a1 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(Int8Groups.DotUnsigned(u, Avx.LoadVector256(x1 + offset))), Vector256.Create(e1), a1);
            a2 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(Int8Groups.DotUnsigned(u, Avx.LoadVector256(x2 + offset))), Vector256.Create(e2), a2);
            a3 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(Int8Groups.DotUnsigned(u, Avx.LoadVector256(x3 + offset))), Vector256.Create(e3), a3);
            c0 += e0 * m0[g];
            c1 += e1 * m1[g];
            c2 += e2 * m2[g];
            c3 += e3 * m3[g];
        }
        output[0] = Vector256.Sum(a0) - 8 * c0;
        output[stride] = Vector256.Sum(a1) - 8 * c1;
        output[2L * stride] = Vector256.Sum(a2) - 8 * c2;
        output[3L * stride] = Vector256.Sum(a3) - 8 * c3;
    }

    private static unsafe float ScalarRowDot(byte* w, float* ws, sbyte* x, float* xs, int groups)
    {
        float sum = 0;
        for (int g = 0; g < groups; g++)
        {
            int dot = 0;
            for (int j = 0; j < BytesPerGroup; j++)
            {
                byte b = w[g * BytesPerGroup + j];
                dot += ((b & 0xF) - 8) * x[g * GroupSize + j] + ((b >> 4) - 8) * x[g * GroupSize + j + BytesPerGroup];
            }
            sum += ws[g] * xs[g] * dot;
        }
        return sum;
    }
}
