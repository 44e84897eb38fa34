using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SharpLM.Inference.Kernels;

/// <summary>
/// float32 weights, kept as given (no copy). One vector (decoding): four rows per pass, one load of x serving all
/// four. Several vectors (a prompt block): a register-blocked micro-kernel of four rows × three vectors, twelve
/// accumulators, so each weight load and each activation load feeds several multiply-adds from registers; the
/// four rows (at most 32 KB) stay in L1 while every vector of the block streams past them.
///
/// Where the processor has AVX-512 (and the runtime uses it), every kernel first takes sixteen columns per step
/// in 512-bit registers, folds each accumulator to eight lanes and finishes with the eight-lane steps: on this
/// project's Zen 4 machine the micro-kernel does 1.15–1.2× the multiply-adds per second of its 256-bit form on
/// L1-resident operands (the 256-bit form issues twice the instructions for the same two FMA pipes). All kernels
/// of one product take the same path, so a dot product's bits never depend on which kernel computed it.
/// </summary>
public sealed class F32Matrix : WeightMatrix
{
    public float[] Values { get; }

    /// <summary>Whether the kernels take 512-bit steps unless told otherwise (<see cref="ProductInput.Wide"/>).</summary>
    internal static readonly bool WideByDefault = Vector512.IsHardwareAccelerated && Avx512F.IsSupported;

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
            if (Fma.IsSupported && input.Simd && columns >= 8)
                for (; r + 4 <= end; r += 4)
                {
                    float* w = weights + (long)r * columns;
                    int t = 0;
                    for (; t + 3 <= input.Count; t += 3)
                        FourRowsThreeVectors(w, columns, input.Vector(t), columns, columns, output + (long)t * outputStride + r, outputStride, input.Wide);
                    for (; t < input.Count; t++)
                        FourRows(w, columns, input.Vector(t), output + (long)t * outputStride + r, columns, input.Wide, prefetch: true);
                }
            for (; r < end; r++)
                for (int t = 0; t < input.Count; t++)
                    output[(long)t * outputStride + r] = Scalar.Dot(weights + (long)r * columns, input.Vector(t), columns);
        }
    }

    /// <summary>
    /// y[0..4) = rows w, w + rowStride, ... (four of them) · x over <paramref name="columns"/> values. With
    /// <paramref name="prefetch"/> (adjacent rows of a matrix) it also asks for the rows further on (see <see cref="RowPrefetch"/>).
    /// </summary>
    internal static unsafe void FourRows(float* w, long rowStride, float* x, float* y, int columns, bool wide, bool prefetch = false)
    {
        float* w0 = w, w1 = w + rowStride, w2 = w + 2 * rowStride, w3 = w + 3 * rowStride;
        Vector256<float> a0 = Vector256<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
        int c = 0;
        if (wide && columns >= 16)
        {
            Vector512<float> b0 = Vector512<float>.Zero, b1 = b0, b2 = b0, b3 = b0;
            for (; c + 16 <= columns; c += 16)
            {
                if (prefetch)
                {
                    RowPrefetch.TwoLines((byte*)w + 16L * c);
                    RowPrefetch.TwoLines((byte*)w + 16L * c + 128);
                }
                var v = Vector512.Load(x + c);
                b0 = Avx512F.FusedMultiplyAdd(Vector512.Load(w0 + c), v, b0);
                b1 = Avx512F.FusedMultiplyAdd(Vector512.Load(w1 + c), v, b1);
                b2 = Avx512F.FusedMultiplyAdd(Vector512.Load(w2 + c), v, b2);
                b3 = Avx512F.FusedMultiplyAdd(Vector512.Load(w3 + c), v, b3);
            }
            (a0, a1, a2, a3) = (Fold(b0), Fold(b1), Fold(b2), Fold(b3));
        }
        for (; c + 8 <= columns; c += 8)
        {
            // Four rows × 32 bytes read per step: two cache lines of the same stretch further on.
            if (prefetch) RowPrefetch.TwoLines((byte*)w + 16L * c);
            var v = Avx.LoadVector256(x + c);
            a0 = Fma.MultiplyAdd(Avx.LoadVector256(w0 + c), v, a0);
            a1 = Fma.MultiplyAdd(Avx.LoadVector256(w1 + c), v, a1);
            a2 = Fma.MultiplyAdd(Avx.LoadVector256(w2 + c), v, a2);
            a3 = Fma.MultiplyAdd(Avx.LoadVector256(w3 + c), v, a3);
        }
        // The same reduction and tail as the multi-vector kernel, so one token's result is bit for bit what it gets inside a block.
        var s = Reduce4(a0, a1, a2, a3);
        for (; c < columns; c++) s += Vector128.Create(w0[c], w1[c], w2[c], w3[c]) * x[c];
        s.Store(y);
    }

    /// <summary>
    /// y[t·stride + i] = row i · vector t for four rows and three vectors (vectors <paramref name="columns"/> apart):
    /// per eight columns three activation loads and four weight loads feed twelve multiply-adds. Twelve
    /// accumulators plus the three activations fill fifteen of the sixteen AVX2 registers; the weights are
    /// folded into the multiply-adds as memory operands.
    /// </summary>
    internal static unsafe void FourRowsThreeVectors(float* w, float* x, int columns, float* y, int stride) =>
        FourRowsThreeVectors(w, columns, x, columns, columns, y, stride, WideByDefault);

    /// <summary>
    /// The same micro-kernel over rows <paramref name="rowStride"/> apart and vectors <paramref name="vectorStride"/>
    /// apart: attention reads its keys and queries as slices of wider rows (one head of each position).
    /// </summary>
    internal static unsafe void FourRowsThreeVectors(float* w, long rowStride, float* x, long vectorStride, int columns, float* y, int stride,
        bool wide)
    {
        float* w0 = w, w1 = w + rowStride, w2 = w + 2 * rowStride, w3 = w + 3 * rowStride;
        float* x0 = x, x1 = x + vectorStride, x2 = x + 2 * vectorStride;
        Vector256<float> a00 = Vector256<float>.Zero, a01 = a00, a02 = a00, a10 = a00, a11 = a00, a12 = a00,
            a20 = a00, a21 = a00, a22 = a00, a30 = a00, a31 = a00, a32 = a00;
        int c = 0;
        if (wide && columns >= 16)
        {
            Vector512<float> b00 = Vector512<float>.Zero, b01 = b00, b02 = b00, b10 = b00, b11 = b00, b12 = b00,
                b20 = b00, b21 = b00, b22 = b00, b30 = b00, b31 = b00, b32 = b00;
            for (; c + 16 <= columns; c += 16)
            {
                var v0 = Vector512.Load(x0 + c);
                var v1 = Vector512.Load(x1 + c);
                var v2 = Vector512.Load(x2 + c);
                var u = Vector512.Load(w0 + c);
                b00 = Avx512F.FusedMultiplyAdd(u, v0, b00);
                b01 = Avx512F.FusedMultiplyAdd(u, v1, b01);
                b02 = Avx512F.FusedMultiplyAdd(u, v2, b02);
                u = Vector512.Load(w1 + c);
                b10 = Avx512F.FusedMultiplyAdd(u, v0, b10);
                b11 = Avx512F.FusedMultiplyAdd(u, v1, b11);
                b12 = Avx512F.FusedMultiplyAdd(u, v2, b12);
                u = Vector512.Load(w2 + c);
                b20 = Avx512F.FusedMultiplyAdd(u, v0, b20);
                b21 = Avx512F.FusedMultiplyAdd(u, v1, b21);
                b22 = Avx512F.FusedMultiplyAdd(u, v2, b22);
                u = Vector512.Load(w3 + c);
                b30 = Avx512F.FusedMultiplyAdd(u, v0, b30);
                b31 = Avx512F.FusedMultiplyAdd(u, v1, b31);
                b32 = Avx512F.FusedMultiplyAdd(u, v2, b32);
            }
            (a00, a01, a02) = (Fold(b00), Fold(b01), Fold(b02));
            (a10, a11, a12) = (Fold(b10), Fold(b11), Fold(b12));
            (a20, a21, a22) = (Fold(b20), Fold(b21), Fold(b22));
            (a30, a31, a32) = (Fold(b30), Fold(b31), Fold(b32));
        }
        for (; c + 8 <= columns; c += 8)
        {
            var v0 = Avx.LoadVector256(x0 + c);
            var v1 = Avx.LoadVector256(x1 + c);
            var v2 = Avx.LoadVector256(x2 + c);
            var u = Avx.LoadVector256(w0 + c);
            a00 = Fma.MultiplyAdd(u, v0, a00);
            a01 = Fma.MultiplyAdd(u, v1, a01);
            a02 = Fma.MultiplyAdd(u, v2, a02);
            u = Avx.LoadVector256(w1 + c);
            a10 = Fma.MultiplyAdd(u, v0, a10);
            a11 = Fma.MultiplyAdd(u, v1, a11);
            a12 = Fma.MultiplyAdd(u, v2, a12);
            u = Avx.LoadVector256(w2 + c);
            a20 = Fma.MultiplyAdd(u, v0, a20);
            a21 = Fma.MultiplyAdd(u, v1, a21);
            a22 = Fma.MultiplyAdd(u, v2, a22);
            u = Avx.LoadVector256(w3 + c);
            a30 = Fma.MultiplyAdd(u, v0, a30);
            a31 = Fma.MultiplyAdd(u, v1, a31);
            a32 = Fma.MultiplyAdd(u, v2, a32);
        }
        // One horizontal reduction stores four rows of a vector at once: sums of (a0, a1, a2, a3) lane-wise.
        var s0 = Reduce4(a00, a10, a20, a30);
        var s1 = Reduce4(a01, a11, a21, a31);
        var s2 = Reduce4(a02, a12, a22, a32);
        for (; c < columns; c++)
        {
            var wc = Vector128.Create(w0[c], w1[c], w2[c], w3[c]);
            s0 += wc * x0[c];
            s1 += wc * x1[c];
            s2 += wc * x2[c];
        }
        s0.Store(y);
        s1.Store(y + stride);
        s2.Store(y + 2L * stride);
    }

    /// <summary>
    /// One row · one vector with the blocked kernels' arithmetic (eight-lane multiply-adds, the same reduction tree,
    /// the same tail), so a dot product gives the same bits whether or not it falls inside a four × three block.
    /// </summary>
    internal static unsafe float Dot(float* w, float* x, int columns, bool wide)
    {
        var a = Vector256<float>.Zero;
        int c = 0;
        if (wide && columns >= 16)
        {
            var b = Vector512<float>.Zero;
            for (; c + 16 <= columns; c += 16) b = Avx512F.FusedMultiplyAdd(Vector512.Load(w + c), Vector512.Load(x + c), b);
            a = Fold(b);
        }
        for (; c + 8 <= columns; c += 8) a = Fma.MultiplyAdd(Avx.LoadVector256(w + c), Avx.LoadVector256(x + c), a);
        var h = Avx.HorizontalAdd(a, a);
        h = Avx.HorizontalAdd(h, h);
        float s = h.GetLower().ToScalar() + h.GetUpper().ToScalar();
        for (; c < columns; c++) s += w[c] * x[c];
        return s;
    }

    /// <summary>Sixteen lanes to eight: lane i + lane i + 8, the first step of every wide kernel's reduction.</summary>
    private static Vector256<float> Fold(Vector512<float> b) => Avx.Add(b.GetLower(), b.GetUpper());

    /// <summary>(Σa, Σb, Σc, Σd) over the eight lanes of each, with three horizontal adds instead of four separate reductions.</summary>
    internal static Vector128<float> Reduce4(Vector256<float> a, Vector256<float> b, Vector256<float> c, Vector256<float> d)
    {
        var ab = Avx.HorizontalAdd(a, b); // a01 a23 b01 b23 | a45 a67 b45 b67
        var cd = Avx.HorizontalAdd(c, d);
        var abcd = Avx.HorizontalAdd(ab, cd); // a0123 b0123 c0123 d0123 | a4567 b4567 c4567 d4567
        return Sse.Add(abcd.GetLower(), abcd.GetUpper());
    }
}
