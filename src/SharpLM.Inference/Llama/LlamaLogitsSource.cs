using SharpLM.Inference.Generation;

namespace SharpLM.Inference.Llama;

/// <summary>
/// Feeds contexts into a <see cref="LlamaSession"/>, computing each position once. The tokens in the KV cache are
/// remembered: a new context that shares a prefix with them (the next turn of a chat, a regenerated reply) keeps
/// the cached prefix and computes only the rest.
/// </summary>
public sealed class LlamaLogitsSource(LlamaSession session) : ILogitsSource
{
    private readonly List<int> _cached = new();

    public int MaxContext => session.MaxPositions;

    public ReadOnlySpan<float> Next(IReadOnlyList<int> context)
    {
        int common = 0;
        while (common < _cached.Count && common < context.Count && _cached[common] == context[common]) common++;
        if (common == context.Count && common > 0) common--; // the last token must run again to produce its logits
        session.Truncate(common);
        _cached.RemoveRange(common, _cached.Count - common);
        while (session.Length < context.Count)
        {
            session.Forward(context[session.Length]);
            _cached.Add(context[session.Length - 1]);
        }
        return session.Logits;
    }
}
