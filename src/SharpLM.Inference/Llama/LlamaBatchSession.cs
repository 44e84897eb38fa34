using SharpLM.Core;

namespace SharpLM.Inference.Llama;

/// <summary>
/// Several sequences decoded together, one KV cache each: a step feeds one token of every listed sequence as
/// one block, so each weight is read once per step for all of them (decoding is bound by that read).
/// </summary>
public sealed class LlamaBatchSession
{
    private readonly LlamaForwardPass _pass;
    private readonly LlamaKvCache[] _caches, _rowCaches;
    private readonly int[] _positions;
    private readonly float[] _logits;

    public LlamaBatchSession(LlamaWeights weights, int threads, int sequences)
    {
        if (sequences < 1) throw new ArgumentException("A batch needs at least one sequence.");
        _pass = new LlamaForwardPass(weights, threads, Math.Max(sequences, LlamaSession.PromptBlock));
        _caches = Enumerable.Range(0, sequences).Select(_ => _pass.NewCache()).ToArray();
        _rowCaches = new LlamaKvCache[_pass.Capacity];
        _positions = new int[_pass.Capacity];
        _logits = new float[_pass.VocabularySize];
    }

    public int Sequences => _caches.Length;
    /// <summary>The longest sequence: max_position_embeddings less any prompt-tuning virtual tokens.</summary>
    public int MaxPositions => _pass.MaxPositions - _caches[0].Prefix;
    public int VocabularySize => _pass.VocabularySize;

    /// <summary>Tokens in sequence <paramref name="sequence"/>'s cache.</summary>
    public int Length(int sequence) => _caches[sequence].SequenceLength;

    public void Reset(int sequence) => _caches[sequence].Length = _caches[sequence].Prefix;

    /// <summary>Forgets sequence <paramref name="sequence"/>'s positions from <paramref name="length"/> on; the cache before it stays valid.</summary>
    public void Truncate(int sequence, int length)
    {
        var cache = _caches[sequence];
        if ((uint)length > (uint)cache.SequenceLength)
            throw new ArgumentOutOfRangeException(nameof(length), $"sequence {sequence} holds {cache.SequenceLength} positions; cannot keep {length}.");
        cache.Length = cache.Prefix + length;
    }

    /// <summary>Floats one position of a KV run takes (see <see cref="IKvTransfer"/>).</summary>
    public int KvFloatsPerPosition => _caches[0].KvFloatsPerPosition;

    /// <summary>Copies positions [start, start + count) of one sequence's cache out, laid out as <see cref="IKvTransfer"/> says.</summary>
    public void ReadKv(int sequence, int start, int count, Span<float> destination) => _caches[sequence].ReadKv(start, count, destination);

    /// <summary>Writes a KV run into one sequence's cache at <paramref name="start"/>; the sequence then ends after it.</summary>
    public void WriteKv(int sequence, int start, int count, ReadOnlySpan<float> source) => _caches[sequence].WriteKv(start, count, source);

    /// <summary>Feeds a prompt to one sequence in blocks; returns the logits after its last token (valid until the next call).</summary>
    public ReadOnlySpan<float> Prefill(int sequence, ReadOnlySpan<int> tokens)
    {
        if (tokens.IsEmpty) throw new ArgumentException("Prefill needs at least one token.");
        var cache = _caches[sequence];
        for (int start = 0; start < tokens.Length; start += _pass.Capacity)
        {
            int count = Math.Min(_pass.Capacity, tokens.Length - start);
            for (int i = 0; i < count; i++) (_rowCaches[i], _positions[i]) = (cache, cache.Length + i);
            CheckRoom(cache, count);
            _pass.Run(tokens.Slice(start, count), _rowCaches, _positions, _logits, start + count == tokens.Length ? 1 : 0);
            cache.Length += count;
        }
        return _logits;
    }

    /// <summary>
    /// Feeds tokens to one sequence in blocks and writes the logits after each of them into <paramref name="logits"/>
    /// (row i follows token i): what scoring a prompt token by token needs.
    /// </summary>
    public void Forward(int sequence, ReadOnlySpan<int> tokens, Span<float> logits)
    {
        int vocab = _pass.VocabularySize;
        if (logits.Length < tokens.Length * vocab)
            throw new ArgumentException($"{tokens.Length} tokens need {tokens.Length * vocab} logits (got {logits.Length}).");
        var cache = _caches[sequence];
        for (int start = 0; start < tokens.Length; start += _pass.Capacity)
        {
            int count = Math.Min(_pass.Capacity, tokens.Length - start);
            for (int i = 0; i < count; i++) (_rowCaches[i], _positions[i]) = (cache, cache.Length + i);
            CheckRoom(cache, count);
            _pass.Run(tokens.Slice(start, count), _rowCaches, _positions, logits.Slice(start * vocab, count * vocab), count);
            cache.Length += count;
        }
    }

    /// <summary>Feeds tokens[i] to sequence sequences[i] (each at most once) and writes the logits after each into row i of <paramref name="logits"/>.</summary>
    public void Step(ReadOnlySpan<int> sequences, ReadOnlySpan<int> tokens, Span<float> logits)
    {
        int n = sequences.Length, vocab = _pass.VocabularySize;
        if (tokens.Length != n || logits.Length < n * vocab)
            throw new ArgumentException($"A step over {n} sequences needs {n} tokens and {n * vocab} logits (got {tokens.Length} and {logits.Length}).");
        for (int i = 0; i < n; i++)
        {
            var cache = _caches[sequences[i]];
            for (int j = 0; j < i; j++)
                if (sequences[j] == sequences[i]) throw new ArgumentException($"Sequence {sequences[i]} appears twice in one step.");
            CheckRoom(cache, 1);
            (_rowCaches[i], _positions[i]) = (cache, cache.Length);
        }
        _pass.Run(tokens, _rowCaches, _positions, logits, n);
        for (int i = 0; i < n; i++) _caches[sequences[i]].Length++;
    }

    private void CheckRoom(LlamaKvCache cache, int count)
    {
        if (cache.Length + count > _pass.MaxPositions) throw cache.Full();
    }
}
