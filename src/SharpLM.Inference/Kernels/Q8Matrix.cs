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
            for (int r = start; r < end; r++)
            {
                sbyte* w = codes + (long)r * columns;
                float* ws = scales + (long)r * groups;
                int t = 0;
                if (Avx2.IsSupported)
                    for (; t + 4 <= input.Count; t += 4) FourVectors(w, ws, input, t, groups, output + (long)t * outputStride + r, outputStride);
                for (; t < input.Count; t++)
                    output[(long)t * outputStride + r] = Avx2.IsSupported
                        ? RowDot(w, ws, input.VectorCodes(t), input.VectorScales(t), groups)
                        : ScalarRowDot(w, ws, input.VectorCodes(t), input.VectorScales(t), groups);
            }
    }

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
            a0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(magnitude, Avx2.Sign(Avx.LoadVector256(x0 + offset), wv)), ones)), Vector256.Create(d * s0[g]), a0);
            a1 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(magnitude, Avx2.Sign(Avx.LoadVector256(x1 + offset), wv)), ones)), Vector256.Create(d * s1[g]), a1);
            a2 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(magnitude, Avx2.Sign(Avx.LoadVector256(x2 + offset), wv)), ones)), Vector256.Create(d * s2[g]), a2);
            a3 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(magnitude, Avx2.Sign(Avx.LoadVector256(x3 + offset), wv)), ones)), Vector256.Create(d * s3[g]), a3);
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
