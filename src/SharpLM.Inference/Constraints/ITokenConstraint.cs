namespace SharpLM.Inference.Constraints;

/// <summary>
/// Restricts which tokens generation may pick so that the output belongs to a language (a JSON Schema's
/// documents, a regular expression's matches). The generation loop calls <see cref="Mask"/> before sampling
/// and <see cref="Advance"/> with the token it chose.
/// </summary>
public interface ITokenConstraint
{
    /// <summary>Sets to negative infinity the logit of every token that would make the output impossible to complete.</summary>
    void Mask(Span<float> logits);

    /// <summary>Records the chosen token; throws if <see cref="Mask"/> would have ruled it out.</summary>
    void Advance(int token);

    /// <summary>The output so far is a whole valid result (end-of-text is allowed only now).</summary>
    bool IsComplete { get; }

    /// <summary>Some token can still be appended; when the output is complete and this is false, generation stops.</summary>
    bool CanContinue { get; }
}
