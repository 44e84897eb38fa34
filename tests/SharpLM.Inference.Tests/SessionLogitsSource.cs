using SharpLM.Inference.Generation;

namespace SharpLM.Inference.Tests;

/// <summary>Plain one-token-at-a-time decoding over any <see cref="IDecoderSession"/>, recomputing from scratch when the context is not an extension.</summary>
internal sealed class SessionLogitsSource(IDecoderSession session) : ILogitsSource
{
    private readonly List<int> _fed = new();

    public int MaxContext => session.MaxPositions;

    public ReadOnlySpan<float> Next(IReadOnlyList<int> context)
    {
        if (_fed.Count >= context.Count || !_fed.SequenceEqual(context.Take(_fed.Count)))
        {
            session.Truncate(0);
            _fed.Clear();
        }
        ReadOnlySpan<float> logits = default;
        while (_fed.Count < context.Count)
        {
            int token = context[_fed.Count];
            logits = session.Forward(token);
            _fed.Add(token);
        }
        return logits;
    }
}
