using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SharpLM.Inference.Kernels;

/// <summary>Which row kernel a matrix-vector product uses.</summary>
public enum MatrixVectorKernel
{
    /// <summary>Four rows per pass with AVX2/FMA (each load of x serves four rows; four accumulators hide FMA latency); falls back to <see cref="RowDot"/> without FMA.</summary>
    Blocked,
    /// <summary>One TensorPrimitives.Dot per row: the straightforward reference the blocked kernel is checked and timed against.</summary>
    RowDot,
}

/// <summary>
/// y = W·x for a row-major float32 matrix W [rows, columns] given as spans: the operation that dominates decoding,
/// where each weight is read once per token. Rows are split into contiguous blocks across the threads of a
/// <see cref="WorkerPool"/>. (The Llama engine uses <see cref="WeightMatrix"/> and <see cref="MatrixProducts"/>,
/// which also cover bf16 and quantized weights.)
/// </summary>
public static class MatrixVector
{
    /// <summary>Below this many multiply-adds a single thread is faster than waking the pool.</summary>
    private const long ParallelThreshold = 1 << 16;

    public static void Multiply(ReadOnlySpan<float> weights, ReadOnlySpan<float> input, Span<float> output, int rows, int columns, int threads,
        MatrixVectorKernel kernel = MatrixVectorKernel.Blocked)
    {
        if (weights.Length < (long)rows * columns || input.Length < columns || output.Length < rows)
            throw new ArgumentException("Matrix, input or output is smaller than the stated shape.");
        bool blocked = kernel == MatrixVectorKernel.Blocked && Fma.IsSupported && columns >= 8;
        unsafe
        {
            fixed (float* w = weights, x = input, y = output)
            {
                if (threads <= 1 || (long)rows * columns < ParallelThreshold)
                {
                    Rows(w, x, y, 0, rows, columns, blocked);
                    return;
                }
                var pool = WorkerPool.For(threads);
                lock (SharedJob) // one job object: callers on several threads take turns, as they would for the pool anyway
                {
                    SharedJob.Set(w, x, y, rows, columns, pool.Threads * 4, blocked);
                    pool.Run(SharedJob, pool.Threads * 4);
                }
            }
        }
    }

    private static unsafe void Rows(float* weights, float* input, float* output, int start, int end, int columns, bool blocked)
    {
        int r = start;
        if (blocked)
            for (; r + 4 <= end; r += 4) FourRows(weights + (long)r * columns, input, output + r, columns);
        var x = new ReadOnlySpan<float>(input, columns);
        for (; r < end; r++) output[r] = TensorPrimitives.Dot(new ReadOnlySpan<float>(weights + (long)r * columns, columns), x);
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

    private static readonly Job SharedJob = new();

    private sealed unsafe class Job : IPoolJob
    {
        private float* _weights, _input, _output;
        private int _rows, _columns, _blocks;
        private bool _blocked;

        public void Set(float* weights, float* input, float* output, int rows, int columns, int blocks, bool blocked)
        {
            _weights = weights;
            _input = input;
            _output = output;
            _rows = rows;
            _columns = columns;
            _blocks = blocks;
            _blocked = blocked;
        }

        public void Execute(int worker, int block)
        {
            int start = (int)((long)_rows * block / _blocks), end = (int)((long)_rows * (block + 1) / _blocks);
            Rows(_weights, _input, _output, start, end, _columns, _blocked);
        }
    }
}
