using System.Numerics.Tensors;
using SharpLM.Inference.Kernels;

namespace SharpLM.Inference.Llama;

/// <summary>
/// Causal grouped-query attention for a block of rows, one (row, head) pair per work item shared out over the
/// worker pool; each participant has its own score buffer. Row i's query attends to positions 0..positions[i]
/// of its cache.
/// </summary>
internal sealed class AttentionJob(int threads, int maxPositions, int heads, int kvHeads, int headDim) : IPoolJob
{
    /// <summary>Below this many score computations (rows × heads × positions) one thread does it all.</summary>
    private const int ParallelThreshold = 4096;

    private readonly float[][] _scores = Enumerable.Range(0, threads).Select(_ => new float[maxPositions]).ToArray();
    private float[] _q = [], _output = [];
    private LlamaKvCache[] _caches = [];
    private int[] _positions = [];
    private int _layer;

    public void Run(WorkerPool pool, float[] q, float[] output, LlamaKvCache[] caches, int[] positions, int layer, int rows)
    {
        (_q, _output, _caches, _positions, _layer) = (q, output, caches, positions, layer);
        long work = 0;
        for (int i = 0; i < rows; i++) work += (positions[i] + 1L) * heads;
        if (work < ParallelThreshold || pool.Threads == 1)
            for (int item = 0; item < rows * heads; item++) Execute(0, item);
        else pool.Run(this, rows * heads);
        _caches = [];
    }

    public void Execute(int worker, int item)
    {
        var scoreBuffer = _scores[worker];
        int group = heads / kvHeads, qDim = heads * headDim, kvDim = kvHeads * headDim;
        float scale = 1f / MathF.Sqrt(headDim);
        {
            int row = item / heads, h = item % heads, count = _positions[row] + 1;
            var keys = _caches[row].Keys[_layer];
            var values = _caches[row].Values[_layer];
            int kvOffset = h / group * headDim;
            var query = _q.AsSpan(row * qDim + h * headDim, headDim);
            var scores = scoreBuffer.AsSpan(0, count);
            for (int t = 0; t < count; t++) scores[t] = TensorPrimitives.Dot(query, keys.AsSpan(t * kvDim + kvOffset, headDim)) * scale;
            TensorPrimitives.SoftMax(scores, scores);
            var output = _output.AsSpan(row * qDim + h * headDim, headDim);
            output.Clear();
            for (int t = 0; t < count; t++)
                TensorPrimitives.MultiplyAdd(values.AsSpan(t * kvDim + kvOffset, headDim), scores[t], output, output);
        }
    }
}
