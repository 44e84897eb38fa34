namespace SharpLM.Inference.Llama;

/// <summary>
/// One sequence being decoded: a preallocated key/value cache and a <see cref="LlamaForwardPass"/> whose scratch
/// is reused for every token, so decoding allocates nothing per token. Several tokens at once (a prompt, a draft
/// to verify) run as matrix-matrix products in blocks of <see cref="PromptBlock"/> tokens.
/// </summary>
public sealed class LlamaSession : IDecoderSession, IHiddenStates, IKvTransfer
{
    /// <summary>Tokens per block when feeding several at once: enough to reuse each weight row many times, little enough for the activations to stay in cache.</summary>
    public const int PromptBlock = 64;

    private readonly LlamaForwardPass _pass;
    private readonly LlamaKvCache _cache;
    private readonly LlamaKvCache[] _rowCaches;
    private readonly int[] _positions;
    private readonly float[] _logits;
    private readonly int _vocab;

    public LlamaSession(LlamaWeights weights, int threads)
    {
        _pass = new LlamaForwardPass(weights, threads, PromptBlock);
        _cache = _pass.NewCache();
        _rowCaches = Enumerable.Repeat(_cache, PromptBlock).ToArray();
        _positions = new int[PromptBlock];
        _vocab = _pass.VocabularySize;
        _logits = new float[_vocab];
    }

    /// <summary>The longest sequence: max_position_embeddings less any prompt-tuning virtual tokens.</summary>
    public int MaxPositions => _pass.MaxPositions - _cache.Prefix;

    public int VocabularySize => _vocab;

    /// <summary>Tokens in the cache: the position the next token takes.</summary>
    public int Length => _cache.SequenceLength;

    /// <summary>The logits of the last single-token <see cref="Forward(int)"/> or <see cref="Prefill"/> call.</summary>
    public ReadOnlySpan<float> Logits => _logits;

    public void Reset() => _cache.Length = _cache.Prefix;

    /// <summary>Forgets every position from <paramref name="length"/> on; the cache before it stays valid.</summary>
    public void Truncate(int length) => _cache.Length = _cache.Prefix + Math.Clamp(length, 0, _cache.SequenceLength);

    /// <summary>Feeds one token at the next position and returns the logits for the token after it (valid until the next call).</summary>
    public ReadOnlySpan<float> Forward(int token)
    {
        Block([token], _logits, 1);
        return _logits;
    }

    /// <summary>Feeds <paramref name="tokens"/> in blocks and writes the logits after each into <paramref name="logits"/> ([tokens, vocab]).</summary>
    public void Forward(ReadOnlySpan<int> tokens, Span<float> logits)
    {
        if (logits.Length < (long)tokens.Length * _vocab)
            throw new ArgumentException($"{tokens.Length} tokens need {(long)tokens.Length * _vocab} logits; the buffer holds {logits.Length}.");
        for (int start = 0; start < tokens.Length; start += PromptBlock)
        {
            int count = Math.Min(PromptBlock, tokens.Length - start);
            Block(tokens.Slice(start, count), logits.Slice(start * _vocab, count * _vocab), count);
        }
    }

    /// <summary>Feeds <paramref name="tokens"/> in blocks, computing logits only after the last (a prompt before sampling).</summary>
    public ReadOnlySpan<float> Prefill(ReadOnlySpan<int> tokens)
    {
        if (tokens.IsEmpty) throw new ArgumentException("Prefill needs at least one token.");
        for (int start = 0; start < tokens.Length; start += PromptBlock)
        {
            int count = Math.Min(PromptBlock, tokens.Length - start);
            Block(tokens.Slice(start, count), _logits, start + count == tokens.Length ? 1 : 0);
        }
        return _logits;
    }

    public int KvFloatsPerPosition => _cache.KvFloatsPerPosition;

    public void ReadKv(int start, int count, Span<float> destination) => _cache.ReadKv(start, count, destination);

    public void WriteKv(int start, int count, ReadOnlySpan<float> source) => _cache.WriteKv(start, count, source);

    public int HiddenSize => _pass.HiddenSize;

    /// <summary>Feeds <paramref name="tokens"/> in blocks and writes the final hidden state after each into <paramref name="hidden"/> ([tokens, HiddenSize]).</summary>
    public void ForwardHidden(ReadOnlySpan<int> tokens, Span<float> hidden)
    {
        int dim = HiddenSize;
        if (hidden.Length < (long)tokens.Length * dim)
            throw new ArgumentException($"{tokens.Length} tokens need {(long)tokens.Length * dim} hidden values; the buffer holds {hidden.Length}.");
        for (int start = 0; start < tokens.Length; start += PromptBlock)
        {
            int count = Math.Min(PromptBlock, tokens.Length - start);
            Place(count);
            _pass.RunHidden(tokens.Slice(start, count), _rowCaches, _positions, hidden.Slice(start * dim, count * dim));
            _cache.Length += count;
        }
    }

    private void Block(ReadOnlySpan<int> tokens, Span<float> logits, int logitRows)
    {
        Place(tokens.Length);
        _pass.Run(tokens, _rowCaches, _positions, logits, logitRows);
        _cache.Length += tokens.Length;
    }

    /// <summary>Sets the positions of the next <paramref name="count"/> rows, refusing a sequence past the cache.</summary>
    private void Place(int count)
    {
        for (int i = 0; i < count; i++) _positions[i] = _cache.Length + i;
        if (_cache.Length + count > _pass.MaxPositions) throw _cache.Full();
    }
}
