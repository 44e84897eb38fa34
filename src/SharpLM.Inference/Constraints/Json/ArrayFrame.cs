namespace SharpLM.Inference.Constraints.Json;

/// <summary>
/// An array of items between minItems and an effective maximum (the schema's maxItems or
/// <see cref="JsonSchemaLimits.MaxArrayItems"/>, whichever is smaller, but never below minItems).
/// </summary>
internal sealed class ArrayFrame(JsonSchemaNode schema, ArrayFrame.Phase phase, int count, int whitespace, JsonFrame? parent, JsonSchemaLimits limits)
    : JsonFrame(parent, limits)
{
    public enum Phase { AfterOpen, AfterValue, AfterComma }

    private int MaxItems => Math.Max(schema.MinItems, Math.Min(schema.MaxItems ?? int.MaxValue, Limits.MaxArrayItems));

    protected override CharState? StepSelf(int c)
    {
        if (IsWhitespace(c))
            return whitespace < Limits.MaxWhitespace ? new ArrayFrame(schema, phase, count, whitespace + 1, Parent, Limits) : null;
        switch (phase)
        {
            case Phase.AfterOpen or Phase.AfterValue when c == ']':
                return count >= schema.MinItems ? Close() : null;
            case Phase.AfterValue when c == ',':
                return count < MaxItems ? new ArrayFrame(schema, Phase.AfterComma, count, 0, Parent, Limits) : null;
            case Phase.AfterOpen or Phase.AfterComma when count < MaxItems:
                return StartValue(schema.Items!, new ArrayFrame(schema, Phase.AfterValue, count + 1, 0, Parent, Limits), Limits, c);
            default:
                return null;
        }
    }

    protected override bool SelfComplete => false;
    protected override bool SelfCanContinue => true;
}
