namespace SharpLM.Inference.Generation;

/// <summary>
/// Feeds contexts into any <see cref="IDecoderSession"/>, computing each position once. The tokens in the KV cache
/// are remembered: a new context that shares a prefix with them (the next turn of a chat, a regenerated reply)
/// keeps the cached prefix and computes only the rest, as one prefill (a block of matrix-matrix products on
/// sessions that have them).
/// </summary>
public sealed class SessionLogitsSource(IDecoderSession session) : ILogitsSource
{
    private readonly List<int> _cached = new();
    private int[] _pending = new int[16]; // reused, so the usual one-token step allocates nothing

    public int MaxContext => session.MaxPositions;

    public ReadOnlySpan<float> Next(IReadOnlyList<int> context)
    {
        if (context.Count == 0)
            throw new Core.SharpLMException("there is no token to continue from: give a prompt (this tokenizer has no end-of-text token to start a document with).");
        int common = 0;
        while (common < _cached.Count && common < context.Count && _cached[common] == context[common]) common++;
        if (common == context.Count) common--; // the last token must run again to produce its logits
        session.Truncate(common);
        _cached.RemoveRange(common, _cached.Count - common);
        int count = context.Count - common; // at least one: the last token always runs
        if (_pending.Length < count) _pending = new int[Math.Max(count, 2 * _pending.Length)];
        for (int i = 0; i < count; i++) _pending[i] = context[common + i];
        var logits = session.Prefill(_pending.AsSpan(0, count));
        for (int i = 0; i < count; i++) _cached.Add(_pending[i]);
        return logits;
    }
}
