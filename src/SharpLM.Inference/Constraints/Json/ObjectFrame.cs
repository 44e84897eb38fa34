using System.Numerics;

namespace SharpLM.Inference.Constraints.Json;

/// <summary>
/// An object of declared properties in any order, each at most once. A comma is admitted only while an unused
/// property remains, and the closing brace only once every required property is present, so an object can
/// always be finished. Keys are matched against their JSON text (quotes included), which is prefix-free.
/// </summary>
internal sealed class ObjectFrame(JsonSchemaNode schema, ObjectFrame.Phase phase, ulong seen, ulong candidates, int key, int position, int whitespace,
    JsonFrame? parent, JsonSchemaLimits limits) : JsonFrame(parent, limits)
{
    public enum Phase { AfterOpen, InKey, AfterKey, AfterColon, AfterValue, AfterComma }

    private ulong AllProperties => schema.Properties.Count == 64 ? ulong.MaxValue : (1UL << schema.Properties.Count) - 1;
    private ulong Unused => AllProperties & ~seen;

    private ObjectFrame With(Phase next, ulong newSeen, ulong newCandidates = 0, int newKey = -1, int newPosition = 0, int newWhitespace = 0) =>
        new(schema, next, newSeen, newCandidates, newKey, newPosition, newWhitespace, Parent, Limits);

    protected override CharState? StepSelf(int c)
    {
        if (phase != Phase.InKey && IsWhitespace(c))
            return whitespace < Limits.MaxWhitespace ? With(phase, seen, candidates, key, position, whitespace + 1) : null;
        switch (phase)
        {
            case Phase.AfterOpen when c == '}':
            case Phase.AfterValue when c == '}':
                return (schema.Required & ~seen) == 0 ? Close() : null;
            case Phase.AfterOpen or Phase.AfterComma when c == '"':
                return Unused != 0 ? With(Phase.InKey, seen, Unused, -1, 1) : null;
            case Phase.AfterValue when c == ',':
                return Unused != 0 ? With(Phase.AfterComma, seen) : null;
            case Phase.InKey:
                return StepKey(c);
            case Phase.AfterKey when c == ':':
                return With(Phase.AfterColon, seen, 0, key);
            case Phase.AfterColon:
                var after = With(Phase.AfterValue, seen | (1UL << key));
                return StartValue(schema.Properties[key].Schema, after, Limits, c);
            default:
                return null;
        }
    }

    private CharState? StepKey(int c)
    {
        ulong next = 0;
        for (ulong rest = candidates; rest != 0; rest &= rest - 1)
        {
            int i = BitOperations.TrailingZeroCount(rest);
            var text = schema.Properties[i].KeyText;
            if (position < text.Length && text[position] == c) next |= 1UL << i;
        }
        if (next == 0) return null;
        int only = BitOperations.TrailingZeroCount(next);
        if ((next & (next - 1)) == 0 && schema.Properties[only].KeyText.Length == position + 1)
            return With(Phase.AfterKey, seen, 0, only);
        return With(Phase.InKey, seen, next, -1, position + 1);
    }

    protected override bool SelfAcceptsNonAscii(int low, int high)
    {
        if (phase != Phase.InKey) return false;
        for (ulong rest = candidates; rest != 0; rest &= rest - 1)
        {
            var text = schema.Properties[BitOperations.TrailingZeroCount(rest)].KeyText;
            if (position < text.Length && text[position] >= low && text[position] <= high) return true;
        }
        return false;
    }

    protected override bool SelfComplete => false;
    protected override bool SelfCanContinue => true;
}
