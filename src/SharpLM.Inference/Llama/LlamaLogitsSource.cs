using SharpLM.Inference.Generation;

namespace SharpLM.Inference.Llama;

/// <summary>Feeds a growing context into a <see cref="LlamaSession"/>, computing each position once (KV cache).</summary>
public sealed class LlamaLogitsSource(LlamaSession session) : ILogitsSource
{
    public int MaxContext => session.MaxPositions;

    public ReadOnlySpan<float> Next(IReadOnlyList<int> context)
    {
        if (context.Count < session.Length) session.Reset(); // a different or shorter context: start over
        while (session.Length < context.Count) session.Forward(context[session.Length]);
        return session.Logits;
    }
}
