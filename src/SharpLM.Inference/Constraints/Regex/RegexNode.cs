namespace SharpLM.Inference.Constraints.Regex;

/// <summary>The parsed form of a pattern: the few shapes a regular language needs.</summary>
public abstract record RegexNode;

/// <summary>Matches the empty string.</summary>
public sealed record EmptyNode : RegexNode;

/// <summary>Matches one code point of the set.</summary>
public sealed record ClassNode(CodePointSet Set) : RegexNode;

public sealed record ConcatNode(IReadOnlyList<RegexNode> Parts) : RegexNode;

public sealed record AlternationNode(IReadOnlyList<RegexNode> Choices) : RegexNode;

/// <summary>Between <paramref name="Min"/> and <paramref name="Max"/> repetitions; Max null is unbounded.</summary>
public sealed record RepeatNode(RegexNode Body, int Min, int? Max) : RegexNode;
