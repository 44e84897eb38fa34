namespace SharpLM.Inference.Constraints.Json;

/// <summary>
/// A deterministic pushdown matcher for the documents of a <see cref="JsonSchemaNode"/>: start from
/// <see cref="Start"/>, step code point by code point; a null step means the prefix can no longer become a valid
/// document, <see cref="CharState.IsComplete"/> means it is one. Output is compact apart from bounded whitespace
/// inside objects and arrays; nothing may precede or follow the top-level value.
/// </summary>
public static class JsonMatcher
{
    public static CharState Start(JsonSchemaNode schema, JsonSchemaLimits? limits = null)
    {
        limits ??= new JsonSchemaLimits();
        limits.Validate();
        return new DocumentStart(schema, limits);
    }

    /// <summary>After the top-level value: complete, and nothing may follow.</summary>
    internal static CharState End { get; } = new Finished();

    /// <summary>Whether <paramref name="text"/> is a document the matcher accepts.</summary>
    public static bool Accepts(CharState start, string text) => Run(start, text)?.IsComplete == true;

    /// <summary>Whether <paramref name="text"/> can still be extended into an accepted document.</summary>
    public static bool IsViablePrefix(CharState start, string text) => Run(start, text) is not null;

    private static CharState? Run(CharState start, string text)
    {
        CharState? state = start;
        for (int i = 0; i < text.Length && state is not null; i += char.IsSurrogatePair(text, i) ? 2 : 1)
            state = state.Step(char.ConvertToUtf32(text, i));
        return state;
    }

    private sealed class DocumentStart(JsonSchemaNode schema, JsonSchemaLimits limits) : CharState
    {
        public override CharState? Step(int codePoint) => JsonFrame.StartValue(schema, null, limits, codePoint);
        public override bool AcceptsAnyIn(int low, int high) => Enumerable.Range(low, Math.Max(0, Math.Min(high, 0x7F) - low + 1)).Any(c => Step(c) is not null);
        public override bool IsComplete => false;
        public override bool CanContinue => true;
    }

    private sealed class Finished : CharState
    {
        public override CharState? Step(int codePoint) => null;
        public override bool AcceptsAnyIn(int low, int high) => false;
        public override bool IsComplete => true;
        public override bool CanContinue => false;
    }
}
