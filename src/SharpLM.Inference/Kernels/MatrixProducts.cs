namespace SharpLM.Inference.Kernels;

/// <summary>
/// Runs weight-matrix products on a <see cref="WorkerPool"/>: Y[t, :] = W · X[t, :] for one or several vectors.
/// For quantized weights the vectors are quantized to int8 groups once per product, before the rows are shared
/// out. Rows go out in small chunks taken from a shared counter, so a thread the (shared) machine slows down
/// simply takes fewer chunks. Scratch buffers only grow, so steady-state decoding allocates nothing.
/// </summary>
public sealed class MatrixProducts
{
    /// <summary>
    /// Below this many multiply-adds one thread is faster than sharing: a product of a few microseconds costs as
    /// much again in cross-core handshakes. On a quiet machine the 15M shape's 288 × 288 products (83K) still gain
    /// from two threads (decoding 1.2–1.5× faster with 2^16 than with 2^18, alternating runs); on a machine whose
    /// cores are busy with other work they lose, as every threshold does.
    /// </summary>
    private const long ParallelThreshold = 1 << 16;

    private readonly WorkerPool _pool;
    private readonly ProductJob _job = new();
    private sbyte[] _codes = [];
    private float[] _scales = [];
    private int[] _sums = [];

    public MatrixProducts(int threads) => _pool = WorkerPool.For(threads);

    public int Threads => _pool.Threads;

    public WorkerPool Pool => _pool;

    /// <summary>
    /// <paramref name="output"/>[t·Rows + r] = row r of <paramref name="weights"/> · <paramref name="input"/>[t·Columns ..], for t &lt; <paramref name="count"/>.
    /// </summary>
    public unsafe void Multiply(WeightMatrix weights, ReadOnlySpan<float> input, Span<float> output, int count = 1)
    {
        int rows = weights.Rows, columns = weights.Columns;
        if (count < 1 || input.Length < (long)count * columns || output.Length < (long)count * rows)
            throw new ArgumentException($"A {rows}×{columns} product over {count} vectors needs {count * columns} inputs and {count * rows} outputs (got {input.Length} and {output.Length}).");
        if (weights.TakesQuantizedInput && _codes.Length < count * columns)
        {
            _codes = new sbyte[count * columns];
            _scales = new float[count * columns / WeightMatrix.GroupSize];
            _sums = new int[_scales.Length];
        }
        fixed (float* x = input, y = output)
        fixed (sbyte* codes = _codes)
        fixed (float* scales = _scales)
        fixed (int* sums = _sums)
        {
            if (weights.TakesQuantizedInput)
                for (int t = 0; t < count; t++)
                {
                    int groups = columns / WeightMatrix.GroupSize;
                    Int8Groups.Quantize(x + (long)t * columns, columns, codes + (long)t * columns, scales + t * groups, sums + t * groups);
                }
            var product = new ProductInput(x, codes, scales, sums, count, columns);
            if (_pool.Threads == 1 || (long)rows * columns * count < ParallelThreshold)
            {
                weights.MultiplyRows(product, y, rows, 0, rows);
                return;
            }
            // Chunks of rows: a multiple of 4 (the float kernels' row block), about 4 per thread: few enough to keep
            // the claims cheap, enough that a thread the machine slows down leaves its share to the others.
            int chunk = Math.Max(4, rows / (_pool.Threads * 4) / 4 * 4);
            _job.Set(weights, product, y, chunk);
            _pool.Run(_job, (rows + chunk - 1) / chunk);
            _job.Clear();
        }
    }

    private sealed unsafe class ProductJob : IPoolJob
    {
        private WeightMatrix? _weights;
        private ProductInput _input;
        private float* _output;
        private int _chunk;

        public void Set(WeightMatrix weights, ProductInput input, float* output, int chunk)
        {
            _weights = weights;
            _input = input;
            _output = output;
            _chunk = chunk;
        }

        public void Clear() => _weights = null;

        public void Execute(int worker, int item)
        {
            var weights = _weights!;
            int rows = weights.Rows, start = item * _chunk;
            weights.MultiplyRows(_input, _output, rows, start, Math.Min(rows, start + _chunk));
        }
    }
}
