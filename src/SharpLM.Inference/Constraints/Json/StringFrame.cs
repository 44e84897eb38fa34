namespace SharpLM.Inference.Constraints.Json;

/// <summary>
/// A JSON string value between minLength and an effective maximum (the schema's maxLength or
/// <see cref="JsonSchemaLimits.MaxStringLength"/>, whichever is smaller, but never below minLength). Escapes are
/// the JSON ones; a \u escape may not name a surrogate, since a lone surrogate is not a valid string for most parsers.
/// </summary>
internal sealed class StringFrame(JsonSchemaNode schema, int length, int escape, int hexFirst, JsonFrame? parent, JsonSchemaLimits limits)
    : JsonFrame(parent, limits)
{
    /// <summary>Escape phases: not in an escape, after the backslash, then after 0..3 hex digits of \u (2..5).</summary>
    public const int Normal = 0, AfterBackslash = 1, HexStart = 2;

    private int MaxLength => Math.Max(schema.MinLength, Math.Min(schema.MaxLength ?? int.MaxValue, Limits.MaxStringLength));

    /// <summary>
    /// The state after one more ordinary character. It is the same whichever character it was, so it is built
    /// once and shared: a trie walk through string content then allocates per length, not per visited node.
    /// </summary>
    private StringFrame? _afterCharacter;

    private StringFrame With(int newLength, int newEscape, int first = 0) => new(schema, newLength, newEscape, first, Parent, Limits);

    protected override CharState? StepSelf(int c)
    {
        switch (escape)
        {
            case Normal:
                if (c == '"') return length >= schema.MinLength ? Close() : null;
                if (c < 0x20 || length >= MaxLength) return null;
                return c == '\\' ? With(length + 1, AfterBackslash) : _afterCharacter ??= With(length + 1, Normal);
            case AfterBackslash:
                if (c == 'u') return With(length, HexStart);
                return c is '"' or '\\' or '/' or 'b' or 'f' or 'n' or 'r' or 't' ? With(length, Normal) : null;
            default:
                int digitIndex = escape - HexStart;
                int value = HexValue(c);
                if (value < 0) return null;
                if (digitIndex == 0) return With(length, escape + 1, value);
                if (digitIndex == 1 && hexFirst == 0xD && value >= 8) return null; // \uD800..\uDFFF
                return digitIndex == 3 ? With(length, Normal) : With(length, escape + 1, hexFirst);
        }
    }

    private static int HexValue(int c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    protected override bool SelfComplete => false;
    protected override bool SelfCanContinue => true;
    protected override bool SelfAcceptsNonAscii(int low, int high) => escape == Normal && length < MaxLength;
}
