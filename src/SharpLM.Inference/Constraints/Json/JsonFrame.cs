namespace SharpLM.Inference.Constraints.Json;

/// <summary>
/// The top of the JSON matcher's stack: a value being read (string, number, literal) or a container waiting for
/// its next part, linked to the container it sits in. Frames are immutable, so a step builds a new frame and
/// the stack below is shared. A parent stored below a child is already in its "after a value" phase, so
/// finishing the child is simply returning the parent.
///
/// Within one schema the matcher is deterministic: the first character of a value fixes its type, and a finished
/// number (the only value that can end without a closing character) is followed only by characters a number cannot
/// hold. An anyOf/oneOf value runs its alternatives side by side (<see cref="AlternativeStates"/>).
/// Each phase admits a character only if a valid completion still follows it, so every state handed out is viable.
/// </summary>
internal abstract class JsonFrame(JsonFrame? parent, JsonSchemaLimits limits) : CharState
{
    public JsonFrame? Parent { get; } = parent;
    protected JsonSchemaLimits Limits { get; } = limits;

    /// <summary>The frame's own step (null when the character does not belong to this value).</summary>
    protected abstract CharState? StepSelf(int c);

    /// <summary>This value could end here.</summary>
    protected abstract bool SelfComplete { get; }

    /// <summary>This value could take another character.</summary>
    protected abstract bool SelfCanContinue { get; }

    /// <summary>Whether a non-ASCII code point in [low, high] is accepted by this frame itself.</summary>
    protected virtual bool SelfAcceptsNonAscii(int low, int high) => false;

    public sealed override CharState? Step(int c) =>
        StepSelf(c) ?? (SelfComplete && Parent is not null ? Parent.Step(c) : null);

    public sealed override bool AcceptsAnyIn(int low, int high)
    {
        for (int c = Math.Max(low, 0); c <= Math.Min(high, 0x7F); c++)
            if (Step(c) is not null) return true;
        if (high < 0x80) return false;
        low = Math.Max(low, 0x80);
        return SelfAcceptsNonAscii(low, high) || (SelfComplete && Parent is not null && Parent.AcceptsAnyIn(low, high));
    }

    public sealed override bool IsComplete => SelfComplete && Parent is null;
    public sealed override bool CanContinue => SelfCanContinue || Parent is not null;

    /// <summary>The state after this value's closing character: its container, or the end of the document.</summary>
    protected CharState Close() => Parent ?? JsonMatcher.End;

    protected static bool IsWhitespace(int c) => c is ' ' or '\t' or '\n' or '\r';

    /// <summary>The state after the first character <paramref name="c"/> of a value of <paramref name="schema"/>, or null.</summary>
    public static CharState? StartValue(JsonSchemaNode schema, JsonFrame? parent, JsonSchemaLimits limits, int c)
    {
        if (schema.Alternatives is { } alternatives) return AlternativeStates.Of(alternatives.Select(a => StartValue(a, parent, limits, c)));
        if (schema.Literals is { } literals) return new LiteralFrame(literals, Enumerable.Range(0, literals.Count).ToArray(), 0, parent, limits).Step(c);
        var kinds = schema.Kinds;
        switch (c)
        {
            case '{' when (kinds & JsonKinds.Object) != 0:
                return new ObjectFrame(schema, ObjectFrame.Phase.AfterOpen, 0, 0, -1, 0, 0, parent, limits);
            case '[' when (kinds & JsonKinds.Array) != 0:
                return new ArrayFrame(schema, ArrayFrame.Phase.AfterOpen, 0, 0, parent, limits);
            case '"' when (kinds & JsonKinds.String) != 0:
                return new StringFrame(schema, 0, StringFrame.Normal, 0, parent, limits);
            case '-' or (>= '0' and <= '9') when (kinds & (JsonKinds.Number | JsonKinds.Integer)) != 0:
                return new NumberFrame((kinds & JsonKinds.Number) == 0, NumberFrame.Phase.Start, 0, parent, limits).Step(c);
            case 't' or 'f' when (kinds & JsonKinds.Boolean) != 0:
                return new LiteralFrame(LiteralFrame.Booleans, [0, 1], 0, parent, limits).Step(c);
            case 'n' when (kinds & JsonKinds.Null) != 0:
                return new LiteralFrame(LiteralFrame.Null, [0], 0, parent, limits).Step(c);
            default:
                return null;
        }
    }
}
