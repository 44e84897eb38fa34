using System.Numerics.Tensors;
using SharpLM.Core;
using SharpLM.Inference.Kernels;

namespace SharpLM.Inference.Llama;

/// <summary>
/// One sequence being decoded: a preallocated key/value cache for every layer and every position up to
/// max_position_embeddings, and scratch buffers reused for every token, so decoding allocates nothing per token
/// (apart from the thread pool's own bookkeeping when a product is split across threads).
///
/// The arithmetic follows transformers' LlamaForCausalLM: RMSNorm, rotate-half RoPE, grouped-query attention
/// with the causal mask implied by attending only to cached positions, SwiGLU, tied or untied output projection.
/// </summary>
public sealed class LlamaSession : IDecoderSession
{
    private readonly LlamaWeights _weights;
    private readonly int _threads;
    private readonly int _dim, _heads, _kvHeads, _headDim, _kvDim, _ffn, _vocab, _maxPositions;
    private readonly float[][] _keyCache, _valueCache; // per layer: [position, kvDim]
    private readonly float[] _x, _normed, _q, _k, _v, _attention, _projected, _gate, _up, _sigmoid, _scores, _logits;
    private readonly float[] _cos, _sin;                  // [position, headDim/2]

    /// <summary>Tokens in the cache: the position the next token takes.</summary>
    public int Length { get; private set; }

    private readonly MatrixVectorKernel _kernel;

    public LlamaSession(LlamaWeights weights, int threads, MatrixVectorKernel kernel = MatrixVectorKernel.Blocked)
    {
        _kernel = kernel;
        _weights = weights;
        _threads = Math.Max(1, threads);
        var c = weights.Config;
        (_dim, _heads, _kvHeads, _headDim, _ffn, _vocab, _maxPositions) =
            (c.HiddenSize, c.NumAttentionHeads, c.NumKeyValueHeads, c.HeadDim, c.IntermediateSize, c.VocabSize, c.MaxPositionEmbeddings);
        _kvDim = _kvHeads * _headDim;
        _keyCache = Enumerable.Range(0, c.NumHiddenLayers).Select(_ => new float[_maxPositions * _kvDim]).ToArray();
        _valueCache = Enumerable.Range(0, c.NumHiddenLayers).Select(_ => new float[_maxPositions * _kvDim]).ToArray();
        _x = new float[_dim];
        _normed = new float[_dim];
        _q = new float[_heads * _headDim];
        _k = new float[_kvDim];
        _v = new float[_kvDim];
        _attention = new float[_heads * _headDim];
        _projected = new float[_dim];
        _gate = new float[_ffn];
        _up = new float[_ffn];
        _sigmoid = new float[_ffn];
        _scores = new float[_maxPositions];
        _logits = new float[_vocab];
        (_cos, _sin) = RotaryTables(_maxPositions, _headDim, c.RopeTheta);
    }

    public int MaxPositions => _maxPositions;

    public int VocabularySize => _vocab;

    /// <summary>The logits of the last <see cref="Forward"/> call.</summary>
    public ReadOnlySpan<float> Logits => _logits;

    public void Reset() => Length = 0;

    /// <summary>Forgets every position from <paramref name="length"/> on; the cache before it stays valid.</summary>
    public void Truncate(int length) => Length = Math.Clamp(length, 0, Length);

    /// <summary>Feeds one token at the next position and returns the logits for the token after it (valid until the next call).</summary>
    public ReadOnlySpan<float> Forward(int token)
    {
        if ((uint)token >= (uint)_vocab) throw new SharpLMException($"token id {token} is outside the model's vocabulary of {_vocab}.");
        if (Length >= _maxPositions) throw new SharpLMException($"the sequence reached max_position_embeddings ({_maxPositions}).");
        int position = Length;
        _weights.Embeddings.AsSpan(token * _dim, _dim).CopyTo(_x);
        for (int layer = 0; layer < _weights.Layers.Length; layer++) Layer(_weights.Layers[layer], layer, position);
        RmsNorm(_x, _weights.FinalNorm, _normed);
        MatrixVector.Multiply(_weights.OutputProjection, _normed, _logits, _vocab, _dim, _threads, _kernel);
        Length++;
        return _logits;
    }

    /// <summary>Feeds <paramref name="tokens"/> one after another, copying the logits after each into <paramref name="logits"/>.</summary>
    public void Forward(ReadOnlySpan<int> tokens, Span<float> logits)
    {
        if (logits.Length < (long)tokens.Length * _vocab)
            throw new ArgumentException($"{tokens.Length} tokens need {(long)tokens.Length * _vocab} logits; the buffer holds {logits.Length}.");
        for (int i = 0; i < tokens.Length; i++) Forward(tokens[i]).CopyTo(logits.Slice(i * _vocab, _vocab));
    }

    private void Layer(LlamaLayerWeights w, int layer, int position)
    {
        RmsNorm(_x, w.InputNorm, _normed);
        MatrixVector.Multiply(w.Query, _normed, _q, _heads * _headDim, _dim, _threads, _kernel);
        MatrixVector.Multiply(w.Key, _normed, _k, _kvDim, _dim, _threads, _kernel);
        MatrixVector.Multiply(w.Value, _normed, _v, _kvDim, _dim, _threads, _kernel);
        if (w.QueryNorm is not null)
        {
            for (int h = 0; h < _heads; h++) RmsNorm(_q.AsSpan(h * _headDim, _headDim), w.QueryNorm, _q.AsSpan(h * _headDim, _headDim));
            for (int h = 0; h < _kvHeads; h++) RmsNorm(_k.AsSpan(h * _headDim, _headDim), w.KeyNorm!, _k.AsSpan(h * _headDim, _headDim));
        }
        for (int h = 0; h < _heads; h++) Rotate(_q.AsSpan(h * _headDim, _headDim), position);
        for (int h = 0; h < _kvHeads; h++) Rotate(_k.AsSpan(h * _headDim, _headDim), position);
        _k.CopyTo(_keyCache[layer].AsSpan(position * _kvDim, _kvDim));
        _v.CopyTo(_valueCache[layer].AsSpan(position * _kvDim, _kvDim));

        Attend(layer, position);
        MatrixVector.Multiply(w.Output, _attention, _projected, _dim, _heads * _headDim, _threads, _kernel);
        TensorPrimitives.Add(_x, _projected, _x);

        RmsNorm(_x, w.PostAttentionNorm, _normed);
        MatrixVector.Multiply(w.Gate, _normed, _gate, _ffn, _dim, _threads, _kernel);
        MatrixVector.Multiply(w.Up, _normed, _up, _ffn, _dim, _threads, _kernel);
        // SwiGLU: silu(gate) · up, with silu(g) = g · sigmoid(g).
        TensorPrimitives.Sigmoid(_gate, _sigmoid);
        TensorPrimitives.Multiply(_gate, _sigmoid, _gate);
        TensorPrimitives.Multiply(_gate, _up, _gate);
        MatrixVector.Multiply(w.Down, _gate, _projected, _dim, _ffn, _threads, _kernel);
        TensorPrimitives.Add(_x, _projected, _x);
    }

    /// <summary>Each query head attends over the cached positions 0..position of its key/value group.</summary>
    private void Attend(int layer, int position)
    {
        int group = _heads / _kvHeads, count = position + 1;
        float scale = 1f / MathF.Sqrt(_headDim);
        var keys = _keyCache[layer];
        var values = _valueCache[layer];
        for (int h = 0; h < _heads; h++)
        {
            int kvOffset = h / group * _headDim;
            var query = _q.AsSpan(h * _headDim, _headDim);
            var scores = _scores.AsSpan(0, count);
            for (int t = 0; t < count; t++) scores[t] = TensorPrimitives.Dot(query, keys.AsSpan(t * _kvDim + kvOffset, _headDim)) * scale;
            TensorPrimitives.SoftMax(scores, scores);
            var output = _attention.AsSpan(h * _headDim, _headDim);
            output.Clear();
            for (int t = 0; t < count; t++)
                TensorPrimitives.MultiplyAdd(values.AsSpan(t * _kvDim + kvOffset, _headDim), scores[t], output, output);
        }
    }

    /// <summary>Rotate-half RoPE: element j pairs with j + headDim/2.</summary>
    private void Rotate(Span<float> head, int position)
    {
        int half = _headDim / 2;
        var cos = _cos.AsSpan(position * half, half);
        var sin = _sin.AsSpan(position * half, half);
        for (int j = 0; j < half; j++)
        {
            float a = head[j], b = head[j + half];
            head[j] = a * cos[j] - b * sin[j];
            head[j + half] = b * cos[j] + a * sin[j];
        }
    }

    private void RmsNorm(ReadOnlySpan<float> input, ReadOnlySpan<float> gain, Span<float> output)
    {
        float meanSquare = TensorPrimitives.SumOfSquares(input) / input.Length;
        float scale = 1f / MathF.Sqrt(meanSquare + (float)_weights.Config.RmsNormEps);
        TensorPrimitives.Multiply(input, scale, output);
        TensorPrimitives.Multiply(output, gain, output);
    }

    /// <summary>cos/sin of position · theta^(−2j/headDim), computed in double precision like the training side.</summary>
    private static (float[] Cos, float[] Sin) RotaryTables(int positions, int headDim, double theta)
    {
        int half = headDim / 2;
        var cos = new float[positions * half];
        var sin = new float[positions * half];
        for (int p = 0; p < positions; p++)
            for (int j = 0; j < half; j++)
            {
                double angle = p * (1.0 / Math.Pow(theta, 2.0 * j / headDim));
                cos[p * half + j] = (float)Math.Cos(angle);
                sin[p * half + j] = (float)Math.Sin(angle);
            }
        return (cos, sin);
    }
}
