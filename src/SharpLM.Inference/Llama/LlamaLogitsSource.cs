using SharpLM.Inference.Generation;

namespace SharpLM.Inference.Llama;

/// <summary>
/// Feeds contexts into a <see cref="LlamaSession"/>, computing each position once (a new stretch of context as one block). The tokens in the KV cache are
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
        var rest = new int[context.Count - common];
        for (int i = 0; i < rest.Length; i++) rest[i] = context[common + i];
        _cached.AddRange(rest);
        return session.Prefill(rest);
    }
}
