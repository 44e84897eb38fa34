namespace SharpLM.Inference.Generation;

/// <summary>
/// Feeds contexts into any <see cref="IDecoderSession"/>, computing each position once. The tokens in the KV cache
/// are remembered: a new context that shares a prefix with them (the next turn of a chat, a regenerated reply)
/// keeps the cached prefix and computes only the rest.
/// </summary>
public sealed class SessionLogitsSource(IDecoderSession session) : ILogitsSource
{
    private readonly List<int> _cached = new();

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
        ReadOnlySpan<float> logits = default; // the loop runs at least once: the last token always runs
        while (session.Length < context.Count)
        {
            int token = context[session.Length];
            logits = session.Forward(token);
            _cached.Add(token);
        }
        return logits;
    }
}
