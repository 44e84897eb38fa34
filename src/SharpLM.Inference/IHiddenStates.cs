namespace SharpLM.Inference;

/// <summary>
/// A session that can stop before the output projection: the final hidden states (after the final norm) that
/// embeddings are pooled from. Kept apart from <see cref="IDecoderSession"/> so decoding pays nothing for it.
/// </summary>
public interface IHiddenStates
{
    int HiddenSize { get; }

    /// <summary>Feeds <paramref name="tokens"/> at the next positions and writes the final hidden state after each into <paramref name="hidden"/> ([tokens, HiddenSize]).</summary>
    void ForwardHidden(ReadOnlySpan<int> tokens, Span<float> hidden);
}
