namespace SharpLM.Inference.Constraints;

/// <summary>
/// One state of a character-level matcher (a regular-expression automaton or a JSON Schema matcher). States are
/// immutable, so a token trie can be walked from one state along many branches without undoing anything.
/// Every state a matcher hands out is viable: some continuation completes it. A step that would leave no
/// completion returns null instead, which is what lets generation mask tokens before they are chosen.
/// </summary>
public abstract class CharState
{
    /// <summary>The state after <paramref name="codePoint"/>, or null when no completion starts with it.</summary>
    public abstract CharState? Step(int codePoint);

    /// <summary>
    /// Whether some code point in [low, high] is accepted here. Used while a token ends part-way through a UTF-8
    /// sequence: its lead bytes fix a range of code points, and the token is kept only if one of them could follow.
    /// </summary>
    public abstract bool AcceptsAnyIn(int low, int high);

    /// <summary>The text so far is a whole match (generation may stop here).</summary>
    public abstract bool IsComplete { get; }

    /// <summary>Some code point can still follow (false once a match is closed and nothing may be appended).</summary>
    public abstract bool CanContinue { get; }

    /// <summary>
    /// The matcher hands out this same object whenever it reaches this state (as the regex DFA does), so work
    /// keyed on it, such as a token mask, can be reused. States built afresh on every step say false.
    /// </summary>
    public virtual bool IsShared => false;
}
