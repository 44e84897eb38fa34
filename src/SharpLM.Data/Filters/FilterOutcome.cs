namespace SharpLM.Data.Filters;

/// <summary>
/// The result of one filter on one document: <see cref="Text"/> is the (possibly rewritten) text when the
/// document is kept, <see cref="RejectedBy"/> the stable rule name (for example "gopher_quality.min_doc_words")
/// when it is dropped. Exactly one of the two is non-null.
/// </summary>
public sealed record FilterOutcome(string? Text, string? RejectedBy)
{
    public bool Kept => RejectedBy is null;

    public static FilterOutcome Keep(string text) => new(text, null);

    public static FilterOutcome Reject(string rule) => new(null, rule);
}
