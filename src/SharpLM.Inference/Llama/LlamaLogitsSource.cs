using SharpLM.Inference.Generation;

namespace SharpLM.Inference.Llama;

/// <summary>A <see cref="SessionLogitsSource"/> over a <see cref="LlamaSession"/> (the name callers of the Llama engine know).</summary>
public sealed class LlamaLogitsSource(LlamaSession session) : ILogitsSource
{
    private readonly SessionLogitsSource _source = new(session);

    public int MaxContext => _source.MaxContext;

    public ReadOnlySpan<float> Next(IReadOnlyList<int> context) => _source.Next(context);
}
