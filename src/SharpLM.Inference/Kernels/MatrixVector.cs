using System.Numerics.Tensors;

namespace SharpLM.Inference.Kernels;

/// <summary>
/// y = W·x for a row-major float32 matrix W [rows, columns]: the operation that dominates decoding, where each
/// weight is read once per token. Rows are split into contiguous blocks across worker threads; each row is a
/// SIMD dot product (TensorPrimitives.Dot uses Vector256/Vector512 where the CPU has them).
/// </summary>
public static class MatrixVector
{
    /// <summary>Below this many multiply-adds a single thread is faster than waking the pool.</summary>
    private const long ParallelThreshold = 1 << 16;

    public static void Multiply(ReadOnlySpan<float> weights, ReadOnlySpan<float> input, Span<float> output, int rows, int columns, int threads)
    {
        if (weights.Length < (long)rows * columns || input.Length < columns || output.Length < rows)
            throw new ArgumentException("Matrix, input or output is smaller than the stated shape.");
        if (threads <= 1 || (long)rows * columns < ParallelThreshold)
        {
            for (int r = 0; r < rows; r++) output[r] = TensorPrimitives.Dot(weights.Slice(r * columns, columns), input[..columns]);
            return;
        }
        unsafe
        {
            fixed (float* w = weights, x = input, y = output)
            {
                var job = new Job(w, x, y, rows, columns, threads);
                Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, job.Run);
            }
        }
    }

    private readonly unsafe struct Job(float* weights, float* input, float* output, int rows, int columns, int blocks)
    {
        private readonly float* _weights = weights, _input = input, _output = output;

        public void Run(int block)
        {
            int start = (int)((long)rows * block / blocks), end = (int)((long)rows * (block + 1) / blocks);
            var x = new ReadOnlySpan<float>(_input, columns);
            for (int r = start; r < end; r++)
                _output[r] = TensorPrimitives.Dot(new ReadOnlySpan<float>(_weights + (long)r * columns, columns), x);
        }
    }
}
