namespace SharpLM.Inference;

/// <summary>
/// One sequence being decoded by some model, with its key/value cache: the seam that generation strategies
/// (plain sampling, speculative decoding, constrained decoding) use, whatever the model family or weight format.
/// </summary>
public interface IDecoderSession
{
    /// <summary>The longest sequence the cache holds.</summary>
    int MaxPositions { get; }

    int VocabularySize { get; }

    /// <summary>Tokens in the cache: the position the next token takes.</summary>
    int Length { get; }

    /// <summary>Forgets every position from <paramref name="length"/> on; the cache before it stays valid.</summary>
    void Truncate(int length);

    /// <summary>Feeds one token at the next position; returns the logits for the token after it (valid until the next call).</summary>
    ReadOnlySpan<float> Forward(int token);

    /// <summary>
    /// Feeds several tokens at the next positions (a prompt, or a draft to verify) and writes the logits after
    /// each of them into <paramref name="logits"/>, row i ([VocabularySize] floats) following token i.
    /// </summary>
    void Forward(ReadOnlySpan<int> tokens, Span<float> logits);

    /// <summary>
    /// Feeds several tokens (a prompt) and returns the logits after the last one only (valid until the next call):
    /// the cheap way to fill the cache, since no logits are computed for the tokens before it.
    /// </summary>
    ReadOnlySpan<float> Prefill(ReadOnlySpan<int> tokens);
}
