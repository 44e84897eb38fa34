using System.Numerics.Tensors;
using SharpLM.Core;
using SharpLM.Inference.Kernels;

namespace SharpLM.Inference.Gpt2;

/// <summary>
/// One sequence being decoded by a GPT-2 model: a preallocated key/value cache for every layer and every position
/// up to n_positions, and scratch buffers reused for every token, so decoding allocates nothing per token; products
/// run on the engine's float32 kernels and worker pool (<see cref="MatrixProducts"/>).
///
/// The arithmetic follows transformers' GPT2LMHeadModel: token plus learned position embedding, pre-norm blocks
/// with LayerNorm (gain and bias), fused query/key/value projection, causal multi-head attention (the mask is
/// implied by attending only to cached positions), GELU feed-forward, biases on every projection, final
/// LayerNorm and the output projection tied to the token embeddings.
/// </summary>
public sealed class Gpt2Session : IDecoderSession, IHiddenStates, IKvTransfer
{
    private readonly Gpt2Weights _weights;
    private readonly MatrixProducts _products;
    private readonly (F32Matrix QueryKeyValue, F32Matrix AttentionOutput, F32Matrix FeedForwardUp, F32Matrix FeedForwardDown)[] _matrices;
    private readonly F32Matrix _outputProjection;
    private readonly int _dim, _heads, _headDim, _ffn, _vocab, _maxPositions;
    private readonly float _epsilon;
    private readonly bool _exactGelu;
    private readonly float[][] _keyCache, _valueCache; // per layer: [position, dim]
    private readonly float[] _x, _normed, _qkv, _attention, _projected, _hidden, _geluScratch, _scores, _logits;

    public Gpt2Session(Gpt2Weights weights, int threads)
    {
        _weights = weights;
        _products = new MatrixProducts(Math.Max(1, threads));
        var c = weights.Config;
        (_dim, _heads, _ffn, _vocab, _maxPositions) = (c.Embedding, c.Heads, c.InnerSize, c.VocabSize, c.Positions);
        // The engine's float32 kernels over the loaded arrays (no copy); the output projection is the tied embedding table.
        _matrices = weights.Layers.Select(w => (new F32Matrix(w.QueryKeyValue, 3 * _dim, _dim), new F32Matrix(w.AttentionOutput, _dim, _dim),
            new F32Matrix(w.FeedForwardUp, _ffn, _dim), new F32Matrix(w.FeedForwardDown, _dim, _ffn))).ToArray();
        _outputProjection = new F32Matrix(weights.TokenEmbeddings, _vocab, _dim);
        _headDim = _dim / _heads;
        _epsilon = (float)c.LayerNormEpsilon;
        // "gelu" is the exact erf form; "gelu_new" and "gelu_pytorch_tanh" are the tanh approximation.
        _exactGelu = c.Activation == "gelu";
        _keyCache = Enumerable.Range(0, c.Layers).Select(_ => new float[_maxPositions * _dim]).ToArray();
        _valueCache = Enumerable.Range(0, c.Layers).Select(_ => new float[_maxPositions * _dim]).ToArray();
        _x = new float[_dim];
        _normed = new float[_dim];
        _qkv = new float[3 * _dim];
        _attention = new float[_dim];
        _projected = new float[_dim];
        _hidden = new float[_ffn];
        _geluScratch = new float[_ffn];
        _scores = new float[_maxPositions];
        _logits = new float[_vocab];
    }

    public int MaxPositions => _maxPositions;

    public int VocabularySize => _vocab;

    /// <summary>Tokens in the cache: the position the next token takes.</summary>
    public int Length { get; private set; }

    /// <summary>The logits of the last <see cref="Forward(int)"/> call.</summary>
    public ReadOnlySpan<float> Logits => _logits;

    public void Reset() => Length = 0;

    /// <summary>Forgets every position from <paramref name="length"/> on; the cache before it stays valid.</summary>
    public void Truncate(int length) => Length = Math.Clamp(length, 0, Length);

    /// <summary>Feeds one token at the next position and returns the logits for the token after it (valid until the next call).</summary>
    public ReadOnlySpan<float> Forward(int token)
    {
        Advance(token);
        LayerNorm(_x, _weights.FinalNormGain, _weights.FinalNormBias, _normed);
        _products.Multiply(_outputProjection, _normed, _logits);
        return _logits;
    }

    public int KvFloatsPerPosition => KvRuns.FloatsPerPosition(_keyCache, _dim);

    public void ReadKv(int start, int count, Span<float> destination) => KvRuns.Read(_keyCache, _valueCache, _dim, Length, start, count, destination);

    public void WriteKv(int start, int count, ReadOnlySpan<float> source) =>
        Length = KvRuns.Write(_keyCache, _valueCache, _dim, Length, _maxPositions, start, count, source);

    public int HiddenSize => _dim;

    /// <summary>Feeds <paramref name="tokens"/> one after another and writes the final hidden state after each (after ln_f) into <paramref name="hidden"/> ([tokens, HiddenSize]).</summary>
    public void ForwardHidden(ReadOnlySpan<int> tokens, Span<float> hidden)
    {
        if (hidden.Length < (long)tokens.Length * _dim)
            throw new ArgumentException($"{tokens.Length} tokens need {(long)tokens.Length * _dim} hidden values; the buffer holds {hidden.Length}.");
        for (int i = 0; i < tokens.Length; i++)
        {
            Advance(tokens[i]);
            LayerNorm(_x, _weights.FinalNormGain, _weights.FinalNormBias, hidden.Slice(i * _dim, _dim));
        }
    }

    /// <summary>Runs one token through every block at the next position, leaving its residual stream in _x.</summary>
    private void Advance(int token)
    {
        if ((uint)token >= (uint)_vocab) throw new SharpLMException($"token id {token} is outside the model's vocabulary of {_vocab}.");
        if (Length >= _maxPositions) throw new SharpLMException($"the sequence reached n_positions ({_maxPositions}).");
        int position = Length;
        TensorPrimitives.Add(_weights.TokenEmbeddings.AsSpan(token * _dim, _dim), _weights.PositionEmbeddings.AsSpan(position * _dim, _dim), _x);
        for (int layer = 0; layer < _weights.Layers.Length; layer++) Block(_weights.Layers[layer], layer, position);
        Length++;
    }

    /// <summary>Feeds <paramref name="tokens"/> one after another, copying the logits after each into <paramref name="logits"/>.</summary>
    public void Forward(ReadOnlySpan<int> tokens, Span<float> logits)
    {
        if (logits.Length < (long)tokens.Length * _vocab)
            throw new ArgumentException($"{tokens.Length} tokens need {(long)tokens.Length * _vocab} logits; the buffer holds {logits.Length}.");
        for (int i = 0; i < tokens.Length; i++) Forward(tokens[i]).CopyTo(logits.Slice(i * _vocab, _vocab));
    }

    /// <summary>Feeds <paramref name="tokens"/> one after another and returns the logits after the last.</summary>
    public ReadOnlySpan<float> Prefill(ReadOnlySpan<int> tokens)
    {
        if (tokens.IsEmpty) throw new ArgumentException("Prefill needs at least one token.");
        foreach (int token in tokens) Forward(token);
        return _logits;
    }

    /// <summary>x + attn(ln_1(x)), then + mlp(ln_2(·)).</summary>
    private void Block(Gpt2LayerWeights w, int layer, int position)
    {
        var matrices = _matrices[layer];
        LayerNorm(_x, w.AttentionNormGain, w.AttentionNormBias, _normed);
        _products.Multiply(matrices.QueryKeyValue, _normed, _qkv);
        TensorPrimitives.Add(_qkv, w.QueryKeyValueBias, _qkv);
        _qkv.AsSpan(_dim, _dim).CopyTo(_keyCache[layer].AsSpan(position * _dim, _dim));
        _qkv.AsSpan(2 * _dim, _dim).CopyTo(_valueCache[layer].AsSpan(position * _dim, _dim));

        Attend(layer, position);
        _products.Multiply(matrices.AttentionOutput, _attention, _projected);
        TensorPrimitives.Add(_projected, w.AttentionOutputBias, _projected);
        TensorPrimitives.Add(_x, _projected, _x);

        LayerNorm(_x, w.FeedForwardNormGain, w.FeedForwardNormBias, _normed);
        _products.Multiply(matrices.FeedForwardUp, _normed, _hidden);
        TensorPrimitives.Add(_hidden, w.FeedForwardUpBias, _hidden);
        if (_exactGelu) Gelu.Exact(_hidden);
        else Gelu.Tanh(_hidden, _geluScratch);
        _products.Multiply(matrices.FeedForwardDown, _hidden, _projected);
        TensorPrimitives.Add(_projected, w.FeedForwardDownBias, _projected);
        TensorPrimitives.Add(_x, _projected, _x);
    }

    /// <summary>Each head attends over the cached positions 0..position with softmax(q·k / sqrt(head_dim)).</summary>
    private void Attend(int layer, int position)
    {
        int count = position + 1;
        float scale = 1f / MathF.Sqrt(_headDim);
        var keys = _keyCache[layer];
        var values = _valueCache[layer];
        for (int h = 0; h < _heads; h++)
        {
            int offset = h * _headDim;
            var query = _qkv.AsSpan(offset, _headDim);
            var scores = _scores.AsSpan(0, count);
            for (int t = 0; t < count; t++) scores[t] = TensorPrimitives.Dot(query, keys.AsSpan(t * _dim + offset, _headDim)) * scale;
            TensorPrimitives.SoftMax(scores, scores);
            var output = _attention.AsSpan(offset, _headDim);
            output.Clear();
            for (int t = 0; t < count; t++)
                TensorPrimitives.MultiplyAdd(values.AsSpan(t * _dim + offset, _headDim), scores[t], output, output);
        }
    }

    /// <summary>(x − mean) / sqrt(variance + ε) · gain + bias, with the biased variance as torch computes it.</summary>
    private void LayerNorm(ReadOnlySpan<float> input, ReadOnlySpan<float> gain, ReadOnlySpan<float> bias, Span<float> output)
    {
        float mean = TensorPrimitives.Sum(input) / input.Length;
        TensorPrimitives.Subtract(input, mean, output);
        float variance = TensorPrimitives.SumOfSquares(output) / input.Length;
        TensorPrimitives.Multiply(output, 1f / MathF.Sqrt(variance + _epsilon), output);
        TensorPrimitives.FusedMultiplyAdd(output, gain, bias, output);
    }
}
