using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SharpLM.Inference.Kernels;

/// <summary>float32 weights, kept as given (no copy): four rows per pass with AVX2/FMA, one load of x serving all four.</summary>
public sealed class F32Matrix : WeightMatrix
{
    public float[] Values { get; }

    public F32Matrix(float[] values, int rows, int columns) : base(rows, columns)
    {
        if (values.LongLength < (long)rows * columns) throw new ArgumentException($"{values.Length} values cannot fill a {rows}×{columns} matrix.");
        Values = values;
    }

    public override WeightFormat Format => WeightFormat.F32;

    public override long ByteCount => 4L * Rows * Columns;

    public override void DequantizeRow(int row, Span<float> destination) => Values.AsSpan(row * Columns, Columns).CopyTo(destination);

    internal override unsafe void MultiplyRows(in ProductInput input, float* output, int outputStride, int start, int end)
    {
        int columns = Columns;
        fixed (float* weights = Values)
        {
            int r = start;
            if (Fma.IsSupported && columns >= 8)
                for (; r + 4 <= end; r += 4)
                    for (int t = 0; t < input.Count; t++)
                        FourRows(weights + (long)r * columns, input.Vector(t), output + (long)t * outputStride + r, columns);
            for (; r < end; r++)
                for (int t = 0; t < input.Count; t++)
                    output[(long)t * outputStride + r] = Scalar.Dot(weights + (long)r * columns, input.Vector(t), columns);
        }
    }

    private static unsafe void FourRows(float* w, float* x, float* y, int columns)
    {
        float* w0 = w, w1 = w + columns, w2 = w + 2L * columns, w3 = w + 3L * columns;
        Vector256<float> a0 = Vector256<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
        int c = 0;
        for (; c + 8 <= columns; c += 8)
        {
            var v = Avx.LoadVector256(x + c);
            a0 = Fma.MultiplyAdd(Avx.LoadVector256(w0 + c), v, a0);
            a1 = Fma.MultiplyAdd(Avx.LoadVector256(w1 + c), v, a1);
            a2 = Fma.MultiplyAdd(Avx.LoadVector256(w2 + c), v, a2);
            a3 = Fma.MultiplyAdd(Avx.LoadVector256(w3 + c), v, a3);
        }
        float s0 = Vector256.Sum(a0), s1 = Vector256.Sum(a1), s2 = Vector256.Sum(a2), s3 = Vector256.Sum(a3);
        for (; c < columns; c++)
        {
            s0 += w0[c] * x[c];
            s1 += w1[c] * x[c];
            s2 += w2[c] * x[c];
            s3 += w3[c] * x[c];
        }
        y[0] = s0;
        y[1] = s1;
        y[2] = s2;
        y[3] = s3;
    }
}
