using System.Numerics.Tensors;
using SharpLM.Inference.Kernels;

namespace SharpLM.Inference.Llama;

/// <summary>
/// The per-row work between a layer's products (norms, rotary embedding and the cache write, the residual adds,
/// SwiGLU's elementwise step), shared out over the worker pool by ranges of rows. On a small model prompt block
/// this work is a fifth of the time once the products run at the matmul ceiling, and left on the calling thread
/// it keeps the other core idle. Each row is computed exactly as alone, so the bits do not depend on the split.
/// </summary>
internal sealed partial class LlamaForwardPass : IPoolJob
{
    /// <summary>Below this many floats touched one thread does the step: a handshake costs a few microseconds.</summary>
    private const int ParallelRowFloats = 16 * 1024;

    /// <summary>Row ranges per thread: small enough that a thread the machine slows down takes fewer of them.</summary>
    private const int RangesPerThread = 4;

    private enum RowStep { InputNorm, RotateAndStore, AddAndNorm, Add, SwiGlu }

    private RowStep _step;
    private LlamaLayerWeights? _stepLayer;
    private LlamaKvCache[] _stepCaches = [];
    private int[] _stepPositions = [];
    private int _stepLayerIndex, _stepRows, _rowsPerItem;

    /// <summary>Runs <paramref name="step"/> over rows 0..<paramref name="rows"/>−1 ("width" floats each), on the pool where that is worth it.</summary>
    private void RunRows(RowStep step, int rows, int width, LlamaLayerWeights? layer = null, int layerIndex = 0,
        LlamaKvCache[]? caches = null, int[]? positions = null)
    {
        (_step, _stepRows, _stepLayer, _stepLayerIndex) = (step, rows, layer, layerIndex);
        (_stepCaches, _stepPositions) = (caches ?? [], positions ?? []);
        if (_products.Threads == 1 || (long)rows * width < ParallelRowFloats) RunRowRange(0, rows);
        else
        {
            _rowsPerItem = Math.Max(1, (rows + _products.Threads * RangesPerThread - 1) / (_products.Threads * RangesPerThread));
            _products.Pool.Run(this, (rows + _rowsPerItem - 1) / _rowsPerItem);
        }
        (_stepLayer, _stepCaches) = (null, []);
    }

    public void Execute(int worker, int item)
    {
        int start = item * _rowsPerItem;
        RunRowRange(start, Math.Min(_stepRows, start + _rowsPerItem));
    }

    private void RunRowRange(int start, int end)
    {
        switch (_step)
        {
            case RowStep.InputNorm:
                for (int i = start; i < end; i++) RmsNorm(_x.AsSpan(i * _dim, _dim), _stepLayer!.InputNorm, _normed.AsSpan(i * _dim, _dim));
                break;
            case RowStep.RotateAndStore:
                for (int i = start; i < end; i++) RotateAndStore(_stepLayer!, _stepLayerIndex, i, _stepCaches[i], _stepPositions[i]);
                break;
            case RowStep.AddAndNorm:
                for (int i = start; i < end; i++)
                {
                    var x = _x.AsSpan(i * _dim, _dim);
                    TensorPrimitives.Add(x, _projected.AsSpan(i * _dim, _dim), x);
                    RmsNorm(x, _stepLayer!.PostAttentionNorm, _normed.AsSpan(i * _dim, _dim));
                }
                break;
            case RowStep.Add:
                TensorPrimitives.Add(_x.AsSpan(start * _dim, (end - start) * _dim), _projected.AsSpan(start * _dim, (end - start) * _dim),
                    _x.AsSpan(start * _dim, (end - start) * _dim));
                break;
            case RowStep.SwiGlu:
                SwiGlu.Apply(_gate.AsSpan(start * _ffn, (end - start) * _ffn), _up.AsSpan(start * _ffn, (end - start) * _ffn));
                break;
        }
    }

    /// <summary>Row i's query and key heads normed (Qwen3) and rotated; its key and value written to the cache at its position.</summary>
    private void RotateAndStore(LlamaLayerWeights w, int layer, int i, LlamaKvCache cache, int position)
    {
        for (int h = 0; h < _heads; h++)
        {
            var head = _q.AsSpan(i * _qDim + h * _headDim, _headDim);
            if (w.QueryNorm is not null) RmsNorm(head, w.QueryNorm, head);
            Rotate(head, position);
        }
        for (int h = 0; h < _kvHeads; h++)
        {
            var head = _k.AsSpan(i * _kvDim + h * _headDim, _headDim);
            if (w.KeyNorm is not null) RmsNorm(head, w.KeyNorm, head);
            Rotate(head, position);
        }
        _k.AsSpan(i * _kvDim, _kvDim).CopyTo(cache.Keys[layer].AsSpan(position * _kvDim, _kvDim));
        _v.AsSpan(i * _kvDim, _kvDim).CopyTo(cache.Values[layer].AsSpan(position * _kvDim, _kvDim));
    }
}
