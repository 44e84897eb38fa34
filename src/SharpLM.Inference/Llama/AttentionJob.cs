using System.Numerics.Tensors;
using SharpLM.Inference.Kernels;

namespace SharpLM.Inference.Llama;

/// <summary>
/// Causal grouped-query attention for a block of rows; row i's query attends to positions 0..positions[i] of its
/// cache. Consecutive rows of one prompt (same cache, consecutive positions) form a query tile of up to
/// <see cref="QueryTile"/> rows, and one work item is one (tile, head) pair, shared out over the worker pool.
///
/// An item walks the cache in key tiles of <see cref="KeyTile"/> positions with an online softmax (a running
/// maximum, a running sum and an output rescaled whenever the maximum grows), as flash attention does: each key
/// and value tile is read once from the cache while it serves every query row of the tile, and nothing bigger
/// than the tile's scores (query rows × key tile) is materialised. Both products of a tile are register-blocked
/// (<see cref="AttentionBlocks"/>). The causal mask inside a prompt block is each row's own last position: a
/// row's probabilities past it are zero before the weighted sum.
/// </summary>
internal sealed class AttentionJob : IPoolJob
{
    /// <summary>Below this many score computations (rows × heads × positions) one thread does it all.</summary>
    private const int ParallelThreshold = 4096;

    /// <summary>
    /// Query rows per tile: enough to reuse a key tile several times, few enough to leave items for every thread; a
    /// multiple of three and four, the row blocks of the two products, so a full tile has no leftover rows.
    /// </summary>
    private const int QueryTile = 12;

    /// <summary>Cache positions per key tile: a tile of keys and one of values (64 × 64 floats each at most here) stay in L1.</summary>
    private const int KeyTile = 64;

    private readonly int _heads, _kvHeads, _headDim;
    private readonly float[][] _scores, _accumulators;
    private readonly float[][] _maxima, _sums;
    private readonly int[] _tileStarts;
    private float[] _q = [], _output = [];
    private LlamaKvCache[] _caches = [];
    private int[] _positions = [];
    private int _layer, _tiles;

    public AttentionJob(int threads, int rows, int heads, int kvHeads, int headDim)
    {
        (_heads, _kvHeads, _headDim) = (heads, kvHeads, headDim);
        _scores = Scratch(threads, QueryTile * KeyTile);
        _accumulators = Scratch(threads, QueryTile * headDim);
        _maxima = Scratch(threads, QueryTile);
        _sums = Scratch(threads, QueryTile);
        _tileStarts = new int[rows + 1];
    }

    private static float[][] Scratch(int threads, int length) => Enumerable.Range(0, threads).Select(_ => new float[length]).ToArray();

    public void Run(WorkerPool pool, float[] q, float[] output, LlamaKvCache[] caches, int[] positions, int layer, int rows)
    {
        (_q, _output, _caches, _positions, _layer) = (q, output, caches, positions, layer);
        _tiles = 0;
        for (int i = 0; i < rows; i++)
        {
            int start = _tiles == 0 ? -1 : _tileStarts[_tiles - 1];
            bool continues = start >= 0 && i - start < QueryTile && caches[i] == caches[i - 1] && positions[i] == positions[i - 1] + 1;
            if (!continues) _tileStarts[_tiles++] = i;
        }
        _tileStarts[_tiles] = rows;
        long work = 0;
        for (int i = 0; i < rows; i++) work += (positions[i] + 1L) * _heads;
        if (work < ParallelThreshold || pool.Threads == 1)
            for (int item = 0; item < _tiles * _heads; item++) Execute(0, item);
        else pool.Run(this, _tiles * _heads);
        _caches = [];
    }

    public unsafe void Execute(int worker, int item)
    {
        int tile = item / _heads, h = item % _heads;
        int first = _tileStarts[tile], rows = _tileStarts[tile + 1] - first;
        int headDim = _headDim, qDim = _heads * headDim, kvDim = _kvHeads * headDim, kvOffset = h / (_heads / _kvHeads) * headDim;
        float scale = 1f / MathF.Sqrt(headDim);
        var accumulators = _accumulators[worker].AsSpan(0, rows * headDim);
        var maxima = _maxima[worker];
        var sums = _sums[worker];
        accumulators.Clear();
        for (int i = 0; i < rows; i++) (maxima[i], sums[i]) = (float.NegativeInfinity, 0);

        int last = _positions[first + rows - 1];
        fixed (float* queries = _q, keys = _caches[first].Keys[_layer], values = _caches[first].Values[_layer], scores = _scores[worker],
            output = accumulators)
            for (int k0 = 0; k0 <= last; k0 += KeyTile)
            {
                int count = Math.Min(KeyTile, last + 1 - k0);
                AttentionBlocks.Scores(queries + (long)first * qDim + h * headDim, qDim, rows, keys + (long)k0 * kvDim + kvOffset, kvDim, count, headDim,
                    scores, KeyTile);
                for (int i = 0; i < rows; i++)
                {
                    float* row = scores + i * KeyTile;
                    int seen = Math.Min(count, _positions[first + i] + 1 - k0); // causal: row i sees up to its own position
                    if (seen <= 0)
                    {
                        new Span<float>(row, count).Clear();
                        continue;
                    }
                    float maximum = MathF.Max(maxima[i], OnlineSoftmax.ScaleAndMaximum(row, seen, scale));
                    if (maximum > maxima[i] && sums[i] > 0)
                    {
                        float rescale = MathF.Exp(maxima[i] - maximum);
                        sums[i] *= rescale;
                        var accumulator = accumulators.Slice(i * headDim, headDim);
                        TensorPrimitives.Multiply(accumulator, rescale, accumulator);
                    }
                    maxima[i] = maximum;
                    sums[i] += OnlineSoftmax.Exponentiate(row, seen, count, maximum);
                }
                AttentionBlocks.AddWeightedValues(scores, KeyTile, rows, values + (long)k0 * kvDim + kvOffset, kvDim, count, headDim, output, headDim);
            }

        for (int i = 0; i < rows; i++)
            TensorPrimitives.Divide(accumulators.Slice(i * headDim, headDim), sums[i], _output.AsSpan((first + i) * qDim + h * headDim, headDim));
    }
}
