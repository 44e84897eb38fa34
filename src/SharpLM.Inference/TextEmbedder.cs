using System.Numerics.Tensors;
using SharpLM.Core;

namespace SharpLM.Inference;

/// <summary>
/// Sentence embeddings from a decoder: the mean of a sequence's final hidden states (after the final norm, before
/// the output projection), scaled to unit length. One sequence at a time over its own session; not thread-safe.
/// </summary>
public sealed class TextEmbedder
{
    /// <summary>Tokens fed per call, bounding the hidden-state buffer however long the input.</summary>
    private const int Chunk = 64;

    private readonly IDecoderSession _session;
    private readonly IHiddenStates _hidden;
    private readonly float[] _rows;

    public TextEmbedder(IDecoderSession session)
    {
        _session = session;
        _hidden = session as IHiddenStates ?? throw new ArgumentException($"{session.GetType().Name} does not expose its hidden states.");
        _rows = new float[Chunk * _hidden.HiddenSize];
    }

    public int Dimensions => _hidden.HiddenSize;

    public int MaxPositions => _session.MaxPositions;

    /// <summary>The unit-length mean of the final hidden states of <paramref name="tokens"/>, run from an empty cache.</summary>
    public float[] Embed(ReadOnlySpan<int> tokens)
    {
        var sum = new float[Dimensions];
        Feed(tokens, (rows, count) =>
        {
            for (int i = 0; i < count; i++) TensorPrimitives.Add(sum, rows.AsSpan(i * sum.Length, sum.Length), sum);
        });
        TensorPrimitives.Divide(sum, tokens.Length, sum);
        float norm = TensorPrimitives.Norm(sum);
        // An all-zero mean has no direction; it stays zero rather than becoming NaN.
        if (norm > 0) TensorPrimitives.Divide(sum, norm, sum);
        return sum;
    }

    /// <summary>
    /// The final hidden state of the last of <paramref name="tokens"/>, run from an empty cache: what a
    /// sequence-classification head (a reward model's) reads.
    /// </summary>
    public float[] LastHidden(ReadOnlySpan<int> tokens)
    {
        var last = new float[Dimensions];
        Feed(tokens, (rows, count) => rows.AsSpan((count - 1) * last.Length, last.Length).CopyTo(last));
        return last;
    }

    /// <summary>Feeds the tokens <see cref="Chunk"/> at a time, handing each chunk's hidden-state rows (and their count) to <paramref name="consume"/>.</summary>
    private void Feed(ReadOnlySpan<int> tokens, Action<float[], int> consume)
    {
        if (tokens.IsEmpty) throw new SharpLMException("a sequence needs at least one token.");
        if (tokens.Length > MaxPositions) throw new SharpLMException($"{tokens.Length} tokens exceed the model's context of {MaxPositions}.");
        _session.Truncate(0);
        for (int start = 0; start < tokens.Length; start += Chunk)
        {
            int count = Math.Min(Chunk, tokens.Length - start);
            _hidden.ForwardHidden(tokens.Slice(start, count), _rows);
            consume(_rows, count);
        }
        _session.Truncate(0);
    }
}
