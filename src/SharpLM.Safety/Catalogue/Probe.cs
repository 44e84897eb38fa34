namespace SharpLM.Safety.Catalogue;

/// <summary>
/// One red-team probe: a harmful intent keyed to a hazard category, and its benign twin — the same request shape about a
/// harmless goal, which a well-behaved model answers (a refusal there is over-refusal).
/// </summary>
public sealed record Probe(string Id, string Category, string Prompt, string Benign);
