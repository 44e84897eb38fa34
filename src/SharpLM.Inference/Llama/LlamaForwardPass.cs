using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using SharpLM.Core;
using SharpLM.Inference.Kernels;

namespace SharpLM.Inference.Llama;

/// <summary>
/// The Llama forward pass over a block of rows, each a token at a position of some sequence's KV cache: the
/// tokens of a prompt (one cache, consecutive positions) or one token of each sequence of a batch (one cache
/// each). Every weight product covers all rows at once, so each weight row is read from memory once per block.
/// Attention writes the block's keys and values first, then lets each row attend to its cache up to and including
/// its own position: the causal mask within a prompt block follows from that.
///
/// The arithmetic follows transformers' LlamaForCausalLM: RMSNorm, rotate-half RoPE, grouped-query attention,
/// SwiGLU (Mixtral: top-k experts by router softmax, weights renormalised over the k), tied or untied output.
/// Scratch buffers are sized for <see cref="Capacity"/> rows at construction; running allocates nothing.
/// </summary>
internal sealed partial class LlamaForwardPass
{
    private readonly LlamaWeights _weights;
    private readonly MatrixProducts _products;
    private readonly AttentionJob _attention;
    private readonly int _dim, _heads, _kvHeads, _headDim, _qDim, _kvDim, _ffn, _vocab;
    private readonly float[] _x, _normed, _q, _k, _v, _attended, _projected, _gate, _up;
    private readonly float[] _cos, _sin; // [position, headDim/2]
    private readonly MixtureRouting? _routing;
    private LlamaKvCache? _primed; // the virtual tokens' keys and values, computed for the first cache

    public int Capacity { get; }
    public int MaxPositions { get; }
    public int VocabularySize => _vocab;
    public LlamaWeights Weights => _weights;

    public LlamaForwardPass(LlamaWeights weights, int threads, int capacity)
    {
        _weights = weights;
        _products = new MatrixProducts(threads);
        Capacity = Math.Max(1, capacity);
        var c = weights.Config;
        (_dim, _heads, _kvHeads, _headDim, _ffn, _vocab, MaxPositions) =
            (c.HiddenSize, c.NumAttentionHeads, c.NumKeyValueHeads, c.HeadDim, c.IntermediateSize, c.VocabSize, c.MaxPositionEmbeddings);
        _qDim = _heads * _headDim;
        _kvDim = _kvHeads * _headDim;
        int n = Capacity;
        _x = new float[n * _dim];
        _normed = new float[n * _dim];
        _q = new float[n * _qDim];
        _k = new float[n * _kvDim];
        _v = new float[n * _kvDim];
        _attended = new float[n * _qDim];
        _projected = new float[n * _dim];
        _gate = new float[n * _ffn];
        _up = new float[n * _ffn];
        (_cos, _sin) = RotaryTables(MaxPositions, _headDim, c.RopeTheta);
        _attention = new AttentionJob(_products.Threads, n, _heads, _kvHeads, _headDim);
        if (c.IsMixtureOfExperts) _routing = new MixtureRouting(c.NumLocalExperts!.Value, c.NumExpertsPerToken!.Value, n, _dim);
    }

    /// <summary>
    /// A new sequence's cache. With a prompt-tuning adapter (<see cref="LlamaWeights.VirtualTokens"/>) its first
    /// positions are filled here, the one place every sequence starts, by running the virtual token embeddings
    /// through the layers as the input rows at positions 0..N−1; the sequence's own tokens follow at N, N+1, ...
    /// as in PEFT, which concatenates the prompt embeddings before the input embeddings. Those keys and values are
    /// the same for every sequence, so they are computed once and copied into each further cache (a server's slots).
    /// </summary>
    public LlamaKvCache NewCache()
    {
        var cache = new LlamaKvCache(_weights.Layers.Length, MaxPositions, _kvDim);
        if (_weights.VirtualTokens is not { } prompt) return cache;
        if (_primed is null)
        {
            _primed = new LlamaKvCache(_weights.Layers.Length, MaxPositions, _kvDim);
            Prime(_primed, prompt);
        }
        int floats = _primed.Prefix * _kvDim;
        for (int layer = 0; layer < _weights.Layers.Length; layer++)
        {
            Array.Copy(_primed.Keys[layer], cache.Keys[layer], floats);
            Array.Copy(_primed.Values[layer], cache.Values[layer], floats);
        }
        cache.Length = cache.Prefix = _primed.Prefix;
        return cache;
    }

    /// <summary>Runs the virtual tokens (the adapter loader has checked they leave room in the context) into <paramref name="cache"/>.</summary>
    private void Prime(LlamaKvCache cache, float[] prompt)
    {
        int count = prompt.Length / _dim;
        var caches = Enumerable.Repeat(cache, Capacity).ToArray();
        var positions = new int[Capacity];
        for (int start = 0; start < count; start += Capacity)
        {
            int n = Math.Min(Capacity, count - start);
            for (int i = 0; i < n; i++) positions[i] = start + i;
            prompt.AsSpan(start * _dim, n * _dim).CopyTo(_x);
            RunStack(n, caches, positions);
            cache.Length += n;
        }
        cache.Prefix = count;
    }

    /// <summary>
    /// Runs rows i &lt; tokens.Length (token i at position positions[i] of caches[i]) and writes the logits of the
    /// last <paramref name="logitRows"/> rows into <paramref name="logits"/> ([logitRows, vocab]). The caller
    /// advances the caches' lengths.
    /// </summary>
    public void Run(ReadOnlySpan<int> tokens, LlamaKvCache[] caches, int[] positions, Span<float> logits, int logitRows)
    {
        int n = tokens.Length;
        RunLayers(tokens, caches, positions);
        if (logitRows == 0) return;
        int first = n - logitRows;
        for (int i = first; i < n; i++) RmsNorm(_x.AsSpan(i * _dim, _dim), _weights.FinalNorm, _normed.AsSpan((i - first) * _dim, _dim));
        _products.Multiply(_weights.OutputProjection, _normed, logits, logitRows);
    }

    /// <summary>
    /// Runs the rows like <see cref="Run"/> but stops before the output projection: writes every row's final hidden
    /// state (after the final norm) into <paramref name="hidden"/> ([tokens, hidden_size]).
    /// </summary>
    public void RunHidden(ReadOnlySpan<int> tokens, LlamaKvCache[] caches, int[] positions, Span<float> hidden)
    {
        RunLayers(tokens, caches, positions);
        for (int i = 0; i < tokens.Length; i++) RmsNorm(_x.AsSpan(i * _dim, _dim), _weights.FinalNorm, hidden.Slice(i * _dim, _dim));
    }

    public int HiddenSize => _dim;

    private void RunLayers(ReadOnlySpan<int> tokens, LlamaKvCache[] caches, int[] positions)
    {
        int n = tokens.Length;
        if (n > Capacity) throw new ArgumentException($"{n} rows exceed the pass's capacity of {Capacity}.");
        for (int i = 0; i < n; i++)
        {
            if ((uint)tokens[i] >= (uint)_vocab) throw new SharpLMException($"token id {tokens[i]} is outside the model's vocabulary of {_vocab}.");
            if (positions[i] >= MaxPositions) throw caches[i].Full();
            _weights.Embeddings.DequantizeRow(tokens[i], _x.AsSpan(i * _dim, _dim));
        }
        RunStack(n, caches, positions);
    }

    /// <summary>The decoder layers over the n input rows already in the residual stream.</summary>
    private void RunStack(int n, LlamaKvCache[] caches, int[] positions)
    {
        for (int layer = 0; layer < _weights.Layers.Length; layer++) Layer(_weights.Layers[layer], layer, n, caches, positions);
    }

    private void Layer(LlamaLayerWeights w, int layer, int n, LlamaKvCache[] caches, int[] positions)
    {
        RunRows(RowStep.InputNorm, n, _dim, w);
        _products.Multiply(_normed, n, w.Query, _q, w.Key, _k, w.Value, _v);
        RunRows(RowStep.RotateAndStore, n, _qDim + 2 * _kvDim, w, layer, caches, positions);
        _attention.Run(_products.Pool, _q, _attended, caches, positions, layer, n);
        _products.Multiply(w.Output, _attended, _projected, n);
        RunRows(RowStep.AddAndNorm, n, _dim, w);
        if (w.Router is null) FeedForward(w.FeedForwards[0], _normed, _projected, n);
        else _routing!.Run(w, this, _normed, _projected, n);
        RunRows(RowStep.Add, n, _dim);
    }

    /// <summary>output[0..n·dim) = down(silu(gate(input)) · up(input)) for n rows.</summary>
    internal void FeedForward(LlamaFeedForward f, ReadOnlySpan<float> input, Span<float> output, int n)
    {
        _products.Multiply(input, n, f.Gate, _gate, f.Up, _up);
        RunRows(RowStep.SwiGlu, n, _ffn);
        _products.Multiply(f.Down, _gate, output, n);
    }

    internal MatrixProducts Products => _products;

    /// <summary>Rotate-half RoPE: element j pairs with j + headDim/2.</summary>
    private void Rotate(Span<float> head, int position)
    {
        int half = _headDim / 2;
        var cos = _cos.AsSpan(position * half, half);
        var sin = _sin.AsSpan(position * half, half);
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; j + Vector256<float>.Count <= half; j += Vector256<float>.Count)
            {
                var a = Vector256.Create(head.Slice(j, Vector256<float>.Count));
                var b = Vector256.Create(head.Slice(j + half, Vector256<float>.Count));
                var c = Vector256.Create(cos.Slice(j, Vector256<float>.Count));
                var s = Vector256.Create(sin.Slice(j, Vector256<float>.Count));
                (a * c - b * s).CopyTo(head.Slice(j, Vector256<float>.Count));
                (b * c + a * s).CopyTo(head.Slice(j + half, Vector256<float>.Count));
            }
        for (; j < half; j++)
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
