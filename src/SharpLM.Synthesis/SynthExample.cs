namespace SharpLM.Synthesis;

/// <summary>The kinds of example, in the order the draw cycles through them.</summary>
public static class SynthKind
{
    public const string Capital = "capital";
    public const string Arithmetic = "arithmetic";
    public const string Format = "format";
    public const string Refusal = "refusal";
    public const string Benign = "benign";

    public static IReadOnlyList<string> All { get; } = [Capital, Arithmetic, Format, Refusal, Benign];
}

/// <summary>
/// One drawn example: a user prompt, the answer to learn (chosen) and a worse one (rejected). <see cref="Group"/> names
/// what the example is about (a state, a probe goal, a word problem); a group lies wholly in train or wholly in held-out.
/// </summary>
public sealed record SynthExample(string Kind, string Group, string Prompt, string Chosen, string Rejected);
