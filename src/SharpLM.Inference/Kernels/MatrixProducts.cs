namespace SharpLM.Inference.Kernels;

/// <summary>
/// Runs weight-matrix products on a <see cref="WorkerPool"/>: Y[t, :] = W · X[t, :] for one or several vectors.
/// For quantized weights the vectors are quantized to int8 groups once per product, before the rows are shared
/// out. Rows go out in small chunks taken from a shared counter, so a thread the (shared) machine slows down
/// simply takes fewer chunks. Scratch buffers only grow, so steady-state decoding allocates nothing.
///
/// Several matrices that read the same input (a layer's query, key and value; the gate and up projections) run
/// as one job: the input is quantized once and the threads meet once instead of once per matrix, which is most
/// of the cost of a small model's product.
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

    /// <summary>Matrices one shared-input job can hold (query, key and value).</summary>
    private const int MaxShared = 3;

    private readonly WorkerPool _pool;
    private readonly ProductJob _job = new();
    private sbyte[] _codes = [];
    private float[] _scales = [];
    private int[] _sums = [];
    private float[] _groupScales = [], _groupSums = [];

    public MatrixProducts(int threads) => _pool = WorkerPool.For(threads);

    /// <summary>Runs the kernels' portable loops even where AVX2 is present, so tests check them on any processor.</summary>
    internal bool PortableKernels { get; init; }

    /// <summary>Keeps the float32 kernels to 256-bit steps where 512-bit ones would run, so tests check both paths on an AVX-512 processor.</summary>
    internal bool NarrowKernels { get; init; }

    public int Threads => _pool.Threads;

    public WorkerPool Pool => _pool;

    /// <summary>
    /// <paramref name="output"/>[t·Rows + r] = row r of <paramref name="weights"/> · <paramref name="input"/>[t·Columns ..], for t &lt; <paramref name="count"/>.
    /// </summary>
    public void Multiply(WeightMatrix weights, ReadOnlySpan<float> input, Span<float> output, int count = 1) =>
        Multiply(input, count, weights, output, null, default, null, default);

    /// <summary>
    /// Two or three products of the same input in one job (each output laid out as <see cref="Multiply(WeightMatrix, ReadOnlySpan{float}, Span{float}, int)"/>'s);
    /// the matrices must have the same number of columns.
    /// </summary>
    public unsafe void Multiply(ReadOnlySpan<float> input, int count, WeightMatrix first, Span<float> firstOutput, WeightMatrix? second,
        Span<float> secondOutput, WeightMatrix? third = null, Span<float> thirdOutput = default)
    {
        int columns = first.Columns;
        Check(first, input, firstOutput, count, columns);
        if (second is not null) Check(second, input, secondOutput, count, columns);
        if (third is not null) Check(third, input, thirdOutput, count, columns);
        bool quantized = first.TakesQuantizedInput || second?.TakesQuantizedInput == true || third?.TakesQuantizedInput == true;
        if (quantized && _codes.Length < count * columns)
        {
            _codes = new sbyte[count * columns];
            _scales = new float[count * columns / WeightMatrix.GroupSize];
            _sums = new int[_scales.Length];
        }
        // The group-major copy feeds only the block kernels, which take four vectors at a time: decoding (one
        // vector) skips it.
        bool groupMajor = quantized && count >= ProductInput.BlockVectors;
        int groupScaleCount = groupMajor ? ProductInput.ScaleStrideFor(count) * (columns / WeightMatrix.GroupSize) : 0;
        if (_groupScales.Length < groupScaleCount)
        {
            _groupScales = new float[groupScaleCount];
            _groupSums = new float[groupScaleCount];
        }
        fixed (float* x = input, y0 = firstOutput, y1 = secondOutput, y2 = thirdOutput)
        fixed (sbyte* codes = _codes)
        fixed (float* scales = _scales)
        fixed (int* sums = _sums)
        fixed (float* groupScales = _groupScales, groupSums = _groupSums)
        {
            var product = new ProductInput(x, codes, scales, sums, groupScales, groupSums, count, columns, !PortableKernels,
                F32Matrix.WideByDefault && !NarrowKernels);
            if (quantized)
            {
                int groups = columns / WeightMatrix.GroupSize;
                for (int t = 0; t < count; t++)
                {
                    Int8Groups.Quantize(x + (long)t * columns, columns, codes + (long)t * columns, scales + t * groups, sums + t * groups);
                    if (!groupMajor) continue;
                    for (int g = 0; g < groups; g++)
                    {
                        product.ScalesOfGroup(g, 0)[t] = scales[t * groups + g];
                        product.SumsOfGroup(g, 0)[t] = sums[t * groups + g];
                    }
                }
            }
            long work = (long)columns * count * (first.Rows + (second?.Rows ?? 0) + (third?.Rows ?? 0));
            if (_pool.Threads == 1 || work < ParallelThreshold)
            {
                first.MultiplyRows(product, y0, first.Rows, 0, first.Rows);
                second?.MultiplyRows(product, y1, second.Rows, 0, second.Rows);
                third?.MultiplyRows(product, y2, third.Rows, 0, third.Rows);
                return;
            }
            _job.Set(product);
            _job.Add(first, y0, _pool.Threads);
            if (second is not null) _job.Add(second, y1, _pool.Threads);
            if (third is not null) _job.Add(third, y2, _pool.Threads);
            _pool.Run(_job, _job.Items);
            _job.Clear();
        }
    }

    private static void Check(WeightMatrix weights, ReadOnlySpan<float> input, Span<float> output, int count, int columns)
    {
        int rows = weights.Rows;
        if (weights.Columns != columns)
            throw new ArgumentException($"Products sharing an input need matrices of equal width (got {columns} and {weights.Columns} columns).");
        if (count < 1 || input.Length < (long)count * columns || output.Length < (long)count * rows)
            throw new ArgumentException($"A {rows}×{columns} product over {count} vectors needs {count * columns} inputs and {count * rows} outputs (got {input.Length} and {output.Length}).");
    }

    private sealed unsafe class ProductJob : IPoolJob
    {
        private readonly WeightMatrix?[] _weights = new WeightMatrix?[MaxShared];
        private readonly IntPtr[] _outputs = new IntPtr[MaxShared];
        private readonly int[] _chunks = new int[MaxShared], _firstItems = new int[MaxShared + 1];
        private ProductInput _input;
        private int _matrices;

        public int Items => _firstItems[_matrices];

        public void Set(ProductInput input)
        {
            _input = input;
            _matrices = 0;
        }

        /// <summary>
        /// Chunks of rows: a multiple of 4 (the float kernels' row block), about 4 per thread: few enough to keep the
        /// claims cheap, enough that a thread the machine slows down leaves its share to the others.
        /// </summary>
        public void Add(WeightMatrix weights, float* output, int threads)
        {
            int rows = weights.Rows, chunk = Math.Max(4, rows / (threads * 4) / 4 * 4);
            _weights[_matrices] = weights;
            _outputs[_matrices] = (IntPtr)output;
            _chunks[_matrices] = chunk;
            _firstItems[_matrices + 1] = _firstItems[_matrices] + (rows + chunk - 1) / chunk;
            _matrices++;
        }

        public void Clear() => Array.Clear(_weights);

        public void Execute(int worker, int item)
        {
            int m = 0;
            while (item >= _firstItems[m + 1]) m++;
            var weights = _weights[m]!;
            int rows = weights.Rows, start = (item - _firstItems[m]) * _chunks[m];
            weights.MultiplyRows(_input, (float*)_outputs[m], rows, start, Math.Min(rows, start + _chunks[m]));
        }
    }
}
