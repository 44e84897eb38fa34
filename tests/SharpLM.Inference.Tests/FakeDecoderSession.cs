namespace SharpLM.Inference.Tests;

/// <summary>
/// A toy model for testing generation strategies: its logits are a fixed pseudo-random function of the whole
/// context (the model's seed and every token fed so far), so two sessions with one seed are the same model and
/// sessions with different seeds disagree, as a draft and a target do.
/// </summary>
internal sealed class FakeDecoderSession(int vocabulary, int seed, double scale = 2, int maxPositions = 64) : IDecoderSession
{
    private readonly List<int> _tokens = new();
    private readonly float[] _logits = new float[vocabulary];

    public int MaxPositions => maxPositions;
    public int VocabularySize => vocabulary;
    public int Length => _tokens.Count;

    /// <summary>Tokens run through the model, counting re-runs after a truncation.</summary>
    public int TokensRun { get; private set; }

    /// <summary>Calls of either Forward.</summary>
    public int Passes { get; private set; }

    public void Truncate(int length) => _tokens.RemoveRange(Math.Min(length, _tokens.Count), _tokens.Count - Math.Min(length, _tokens.Count));

    public ReadOnlySpan<float> Forward(int token)
    {
        Passes++;
        Feed(token);
        return _logits;
    }

    public void Forward(ReadOnlySpan<int> tokens, Span<float> logits)
    {
        Passes++;
        for (int i = 0; i < tokens.Length; i++)
        {
            Feed(tokens[i]);
            _logits.CopyTo(logits.Slice(i * vocabulary, vocabulary));
        }
    }

    public ReadOnlySpan<float> Prefill(ReadOnlySpan<int> tokens)
    {
        Passes++;
        foreach (int token in tokens) Feed(token);
        return _logits;
    }

    /// <summary>The logits this model gives after <paramref name="context"/>, without touching a session.</summary>
    public static float[] LogitsAfter(IReadOnlyList<int> context, int vocabulary, int seed, double scale = 2)
    {
        long hash = seed;
        foreach (int token in context) hash = unchecked(hash * 1_000_003 + token + 1);
        int key = unchecked((int)(hash ^ (hash >> 32)));
        // Cached: statistical tests revisit the same few contexts tens of thousands of times.
        return Cache.GetOrAdd((key, vocabulary, scale), k =>
        {
            var random = new Random(k.Key);
            return Enumerable.Range(0, k.Vocabulary).Select(_ => (float)(k.Scale * (2 * random.NextDouble() - 1))).ToArray();
        });
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(int Key, int Vocabulary, double Scale), float[]> Cache = new();

    private void Feed(int token)
    {
        if ((uint)token >= (uint)vocabulary) throw new ArgumentOutOfRangeException(nameof(token));
        if (_tokens.Count >= maxPositions) throw new InvalidOperationException($"position {_tokens.Count} is past the model's {maxPositions}.");
        _tokens.Add(token);
        TokensRun++;
        LogitsAfter(_tokens, vocabulary, seed, scale).CopyTo(_logits, 0);
    }
}
