namespace SharpLM.Inference.Generation;

/// <summary>Something that scores the next token of a growing context: a model behind a generation loop.</summary>
public interface ILogitsSource
{
    /// <summary>The longest context the model accepts.</summary>
    int MaxContext { get; }

    /// <summary>
    /// Logits for the token after <paramref name="context"/>. Calls come with the same context grown by one
    /// token each time, so a source may cache what it computed for the earlier tokens.
    /// </summary>
    ReadOnlySpan<float> Next(IReadOnlyList<int> context);
}
