using System.Buffers.Binary;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SharpLM.Inference.Kernels;

/// <summary>
/// Q8_0 weights in a layout for SIMD rather than ggml's interleaved 34-byte blocks: all codes of a row
/// contiguous (32-byte aligned groups load straight into a register) and the scales in a separate float array.
/// The values are exactly ggml's: per group of 32, scale d = max|x| / 127 rounded to half precision, code
/// round(x / d). The kernel multiplies codes by int8-quantized activations and scales each group's integer sum.
/// </summary>
public sealed class Q8Matrix : WeightMatrix
{
    /// <summary>[rows, columns] signed codes.</summary>
    public sbyte[] Codes { get; }
    /// <summary>[rows, columns / 32] group scales.</summary>
    public float[] Scales { get; }

    public Q8Matrix(sbyte[] codes, float[] scales, int rows, int columns) : base(rows, columns)
    {
        if (columns % GroupSize != 0) throw new ArgumentException($"Q8_0 needs a multiple of {GroupSize} columns (got {columns}).");
        if (codes.LongLength != (long)rows * columns || scales.LongLength != (long)rows * columns / GroupSize)
            throw new ArgumentException($"Q8_0 {rows}×{columns}: {codes.Length} codes and {scales.Length} scales do not fit.");
        Codes = codes;
        Scales = scales;
    }

    /// <summary>Quantizes with ggml's codec (<see cref="Core.Quantization.Q8_0"/>, the single definition of the format), then repacks.</summary>
    public static Q8Matrix Quantize(float[] values, int rows, int columns)
    {
        if (columns % GroupSize != 0) throw new ArgumentException($"Q8_0 needs a multiple of {GroupSize} columns (got {columns}).");
        long count = (long)rows * columns;
        var blocks = new byte[Core.Quantization.Q8_0.ByteCount(count)];
        Core.Quantization.Q8_0.Quantize(values.AsSpan(0, checked((int)count)), blocks);
        return FromGgmlBlocks(blocks, rows, columns);
    }

    /// <summary>Repacks ggml's Q8_0 blocks (half scale, then 32 codes; 34 bytes each) of a row-major matrix.</summary>
    public static Q8Matrix FromGgmlBlocks(ReadOnlySpan<byte> blocks, int rows, int columns)
    {
        long groups = (long)rows * columns / GroupSize;
        if (columns % GroupSize != 0 || blocks.Length != groups * Core.Quantization.Q8_0.BytesPerBlock)
            throw new ArgumentException($"{blocks.Length} bytes are not the Q8_0 blocks of a {rows}×{columns} matrix.");
        var codes = new sbyte[(long)rows * columns];
        var scales = new float[groups];
        for (int g = 0; g < groups; g++)
        {
            var block = blocks.Slice(g * Core.Quantization.Q8_0.BytesPerBlock, Core.Quantization.Q8_0.BytesPerBlock);
            scales[g] = (float)BinaryPrimitives.ReadHalfLittleEndian(block);
            for (int i = 0; i < GroupSize; i++) codes[g * GroupSize + i] = (sbyte)block[2 + i];
        }
        return new Q8Matrix(codes, scales, rows, columns);
    }

    public override WeightFormat Format => WeightFormat.Q8_0;

    public override long ByteCount => Codes.LongLength + 4L * Scales.LongLength;

    public override void DequantizeRow(int row, Span<float> destination)
    {
        int groups = Columns / GroupSize;
        for (int g = 0; g < groups; g++)
        {
            float d = Scales[row * groups + g];
            int offset = row * Columns + g * GroupSize;
            for (int i = 0; i < GroupSize; i++) destination[g * GroupSize + i] = d * Codes[offset + i];
        }
    }

    internal override unsafe void MultiplyRows(in ProductInput input, float* output, int outputStride, int start, int end)
    {
        int columns = Columns, groups = columns / GroupSize;
        fixed (sbyte* codes = Codes)
        fixed (float* scales = Scales)
        {
            int r = start;
            bool simd = Avx2.IsSupported && input.Simd;
            if (simd && input.Count >= ProductInput.BlockVectors)
                for (; r + 2 <= end; r += 2)
                {
                    sbyte* w = codes + (long)r * columns;
                    float* ws = scales + (long)r * groups;
                    int t = 0;
                    for (; t + 4 <= input.Count; t += 4) TwoRowsFourVectors(w, ws, columns, groups, input, t, output + (long)t * outputStride + r, outputStride);
                    for (; t < input.Count; t++)
                    {
                        output[(long)t * outputStride + r] = RowDot(w, ws, input.VectorCodes(t), input.VectorScales(t), groups);
                        output[(long)t * outputStride + r + 1] = RowDot(w + columns, ws + groups, input.VectorCodes(t), input.VectorScales(t), groups);
                    }
                }
            for (; r < end; r++)
            {
                sbyte* w = codes + (long)r * columns;
                float* ws = scales + (long)r * groups;
                int t = 0;
                if (simd)
                    for (; t + 4 <= input.Count; t += 4) FourVectors(w, ws, input, t, groups, output + (long)t * outputStride + r, outputStride);
                for (; t < input.Count; t++)
                    output[(long)t * outputStride + r] = simd
                        ? RowDot(w, ws, input.VectorCodes(t), input.VectorScales(t), groups)
                        : ScalarRowDot(w, ws, input.VectorCodes(t), input.VectorScales(t), groups);
            }
        }
    }

    /// <summary>
    /// Rows r, r + 1 against vectors t..t+3 (a prompt block), eight accumulators: each activation group is loaded
    /// once for both rows and each weight group's magnitude taken once for all four vectors. The eight scale
    /// products of a group come from two multiplies of four activation scales (loaded group-major in one go) by
    /// the two weight scales, stored and broadcast back from L1, instead of eight scalar multiplies and broadcasts.
    /// </summary>
    private static unsafe void TwoRowsFourVectors(sbyte* w, float* ws, int columns, int groups, in ProductInput input, int t, float* output, int stride)
    {
        sbyte* w0 = w, w1 = w + columns;
        float* ws0 = ws, ws1 = ws + groups;
        sbyte* x0 = input.VectorCodes(t), x1 = x0 + columns, x2 = x1 + columns, x3 = x2 + columns;
        float* xs = input.ScalesOfGroup(0, t);
        int scaleStride = input.ScaleStride;
        float* d = stackalloc float[8];
        var ones = Vector256.Create((short)1);
        Vector256<float> a00 = Vector256<float>.Zero, a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        for (int g = 0; g < groups; g++)
        {
            var s = Sse.LoadVector128(xs + (long)g * scaleStride);
            Sse.Store(d, Sse.Multiply(s, Vector128.Create(ws0[g])));
            Sse.Store(d + 4, Sse.Multiply(s, Vector128.Create(ws1[g])));
            int offset = g * GroupSize;
            var u0 = Avx.LoadVector256(w0 + offset);
            var u1 = Avx.LoadVector256(w1 + offset);
            var m0 = Avx2.Abs(u0);
            var m1 = Avx2.Abs(u1);
            var v = Avx.LoadVector256(x0 + offset);
            a00 = Fma.MultiplyAdd(GroupDot(m0, Avx2.Sign(v, u0), ones), Vector256.Create(d[0]), a00);
            a10 = Fma.MultiplyAdd(GroupDot(m1, Avx2.Sign(v, u1), ones), Vector256.Create(d[4]), a10);
            v = Avx.LoadVector256(x1 + offset);
            a01 = Fma.MultiplyAdd(GroupDot(m0, Avx2.Sign(v, u0), ones), Vector256.Create(d[1]), a01);
            a11 = Fma.MultiplyAdd(GroupDot(m1, Avx2.Sign(v, u1), ones), Vector256.Create(d[5]), a11);
            v = Avx.LoadVector256(x2 + offset);
            a02 = Fma.MultiplyAdd(GroupDot(m0, Avx2.Sign(v, u0), ones), Vector256.Create(d[2]), a02);
            a12 = Fma.MultiplyAdd(GroupDot(m1, Avx2.Sign(v, u1), ones), Vector256.Create(d[6]), a12);
            v = Avx.LoadVector256(x3 + offset);
            a03 = Fma.MultiplyAdd(GroupDot(m0, Avx2.Sign(v, u0), ones), Vector256.Create(d[3]), a03);
            a13 = Fma.MultiplyAdd(GroupDot(m1, Avx2.Sign(v, u1), ones), Vector256.Create(d[7]), a13);
        }
        var y0 = F32Matrix.Reduce4(a00, a01, a02, a03);
        var y1 = F32Matrix.Reduce4(a10, a11, a12, a13);
        for (int k = 0; k < 4; k++)
        {
            output[k * (long)stride] = y0.GetElement(k);
            output[k * (long)stride + 1] = y1.GetElement(k);
        }
    }

    /// <summary>Σ|w|·sign(x, w) over a group as eight float partial sums.</summary>
    private static Vector256<float> GroupDot(Vector256<byte> magnitude, Vector256<sbyte> signed, Vector256<short> ones) =>
        Avx.ConvertToVector256Single(Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(magnitude, signed), ones));

    private static unsafe float RowDot(sbyte* w, float* ws, sbyte* x, float* xs, int groups)
    {
        var a0 = Vector256<float>.Zero;
        var a1 = a0;
        int g = 0;
        for (; g + 2 <= groups; g += 2)
        {
            var p0 = Int8Groups.DotSigned(Avx.LoadVector256(w + g * GroupSize), Avx.LoadVector256(x + g * GroupSize));
            var p1 = Int8Groups.DotSigned(Avx.LoadVector256(w + (g + 1) * GroupSize), Avx.LoadVector256(x + (g + 1) * GroupSize));
            a0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(p0), Vector256.Create(ws[g] * xs[g]), a0);
            a1 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(p1), Vector256.Create(ws[g + 1] * xs[g + 1]), a1);
        }
        for (; g < groups; g++)
        {
            var p = Int8Groups.DotSigned(Avx.LoadVector256(w + g * GroupSize), Avx.LoadVector256(x + g * GroupSize));
            a0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(p), Vector256.Create(ws[g] * xs[g]), a0);
        }
        return Vector256.Sum(a0 + a1);
    }

    /// <summary>One row against vectors t..t+3 (a prompt block): each weight group is loaded and its magnitude taken once for all four.</summary>
    private static unsafe void FourVectors(sbyte* w, float* ws, in ProductInput input, int t, int groups, float* output, int stride)
    {
        sbyte* x0 = input.VectorCodes(t), x1 = input.VectorCodes(t + 1), x2 = input.VectorCodes(t + 2), x3 = input.VectorCodes(t + 3);
        float* s0 = input.VectorScales(t), s1 = input.VectorScales(t + 1), s2 = input.VectorScales(t + 2), s3 = input.VectorScales(t + 3);
        var a0 = Vector256<float>.Zero;
        Vector256<float> a1 = a0, a2 = a0, a3 = a0;
        var ones = Vector256.Create((short)1);
        for (int g = 0; g < groups; g++)
        {
            int offset = g * GroupSize;
            var wv = Avx.LoadVector256(w + offset);
            var magnitude = Avx2.Abs(wv);
            float d = ws[g];
            a0 = Fma.MultiplyAdd(GroupDot(magnitude, Avx2.Sign(Avx.LoadVector256(x0 + offset), wv), ones), Vector256.Create(d * s0[g]), a0);
            a1 = Fma.MultiplyAdd(GroupDot(magnitude, Avx2.Sign(Avx.LoadVector256(x1 + offset), wv), ones), Vector256.Create(d * s1[g]), a1);
            a2 = Fma.MultiplyAdd(GroupDot(magnitude, Avx2.Sign(Avx.LoadVector256(x2 + offset), wv), ones), Vector256.Create(d * s2[g]), a2);
            a3 = Fma.MultiplyAdd(GroupDot(magnitude, Avx2.Sign(Avx.LoadVector256(x3 + offset), wv), ones), Vector256.Create(d * s3[g]), a3);
        }
        output[0] = Vector256.Sum(a0);
        output[stride] = Vector256.Sum(a1);
        output[2L * stride] = Vector256.Sum(a2);
        output[3L * stride] = Vector256.Sum(a3);
    }

    private static unsafe float ScalarRowDot(sbyte* w, float* ws, sbyte* x, float* xs, int groups)
    {
        float sum = 0;
        for (int g = 0; g < groups; g++) sum += ws[g] * xs[g] * Scalar.Dot(w + g * GroupSize, x + g * GroupSize, GroupSize);
        return sum;
    }
}
