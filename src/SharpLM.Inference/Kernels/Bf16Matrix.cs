using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using SharpLM.Core.Quantization;

namespace SharpLM.Inference.Kernels;

/// <summary>
/// bfloat16 weights: half the bytes of float32, widened in registers (a bfloat16 is the upper 16 bits of a
/// float32, so zero-extending to 32 bits and shifting left by 16 is the exact conversion).
/// </summary>
public sealed class Bf16Matrix : WeightMatrix
{
    public ushort[] Values { get; }

    public Bf16Matrix(ushort[] values, int rows, int columns) : base(rows, columns)
    {
        if (values.LongLength < (long)rows * columns) throw new ArgumentException($"{values.Length} values cannot fill a {rows}×{columns} matrix.");
        Values = values;
    }

    /// <summary>Rounds float32 values to bfloat16 (nearest-even, as PyTorch does).</summary>
    public static Bf16Matrix Quantize(float[] values, int rows, int columns)
    {
        var bits = new ushort[(long)rows * columns];
        BFloat16.FromSingle(values.AsSpan(0, bits.Length), bits);
        return new Bf16Matrix(bits, rows, columns);
    }

    public override WeightFormat Format => WeightFormat.BF16;

    public override long ByteCount => 2L * Rows * Columns;

    public override void DequantizeRow(int row, Span<float> destination) => BFloat16.ToSingle(Values.AsSpan(row * Columns, Columns), destination);

    internal override unsafe void MultiplyRows(in ProductInput input, float* output, int outputStride, int start, int end)
    {
        int columns = Columns;
        fixed (ushort* weights = Values)
        {
            int r = start;
            if (Fma.IsSupported && input.Simd && columns >= 8)
                for (; r + 4 <= end; r += 4)
                    for (int t = 0; t < input.Count; t++)
                        FourRows(weights + (long)r * columns, input.Vector(t), output + (long)t * outputStride + r, columns);
            for (; r < end; r++)
                for (int t = 0; t < input.Count; t++)
                {
                    ushort* w = weights + (long)r * columns;
                    float* x = input.Vector(t);
                    float sum = 0;
                    for (int c = 0; c < columns; c++) sum += BFloat16.ToSingle(w[c]) * x[c];
                    output[(long)t * outputStride + r] = sum;
                }
        }
    }

    private static unsafe Vector256<float> Widen(ushort* address) => Avx2.ShiftLeftLogical(Avx2.ConvertToVector256Int32(address), 16).AsSingle();

    /// <summary>Four adjacent rows against one vector, prefetching the rows further on (see <see cref="RowPrefetch"/>).</summary>
    private static unsafe void FourRows(ushort* w, float* x, float* y, int columns)
    {
        ushort* w0 = w, w1 = w + columns, w2 = w + 2L * columns, w3 = w + 3L * columns;
        Vector256<float> a0 = Vector256<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
        int c = 0;
        for (; c + 8 <= columns; c += 8)
        {
            // Four rows × 16 bytes read per step: one cache line of the same stretch further on.
            RowPrefetch.Line((byte*)w + 8L * c);
            var v = Avx.LoadVector256(x + c);
            a0 = Fma.MultiplyAdd(Widen(w0 + c), v, a0);
            a1 = Fma.MultiplyAdd(Widen(w1 + c), v, a1);
            a2 = Fma.MultiplyAdd(Widen(w2 + c), v, a2);
            a3 = Fma.MultiplyAdd(Widen(w3 + c), v, a3);
        }
        float s0 = Vector256.Sum(a0), s1 = Vector256.Sum(a1), s2 = Vector256.Sum(a2), s3 = Vector256.Sum(a3);
        for (; c < columns; c++)
        {
            s0 += BFloat16.ToSingle(w0[c]) * x[c];
            s1 += BFloat16.ToSingle(w1[c]) * x[c];
            s2 += BFloat16.ToSingle(w2[c]) * x[c];
            s3 += BFloat16.ToSingle(w3[c]) * x[c];
        }
        y[0] = s0;
        y[1] = s1;
        y[2] = s2;
        y[3] = s3;
    }
}
