namespace SharpLM.Inference.Constraints.Json;

/// <summary>One of a fixed set of JSON texts (true/false, null, enum or const values), matched code point by code point.</summary>
internal sealed class LiteralFrame(IReadOnlyList<int[]> texts, int[] alive, int position, JsonFrame? parent, JsonSchemaLimits limits)
    : JsonFrame(parent, limits)
{
    public static readonly IReadOnlyList<int[]> Booleans = [[.. "true".Select(c => (int)c)], [.. "false".Select(c => (int)c)]];
    public static readonly IReadOnlyList<int[]> Null = [[.. "null".Select(c => (int)c)]];

    protected override CharState? StepSelf(int c)
    {
        var next = alive.Where(i => texts[i].Length > position && texts[i][position] == c).ToArray();
        if (next.Length == 0) return null;
        // Finished when every remaining text ends here; otherwise wait (an enum of 1 and 12 after "1").
        return next.All(i => texts[i].Length == position + 1) ? Close() : new LiteralFrame(texts, next, position + 1, Parent, Limits);
    }

    protected override bool SelfComplete => alive.Any(i => texts[i].Length == position);
    protected override bool SelfCanContinue => alive.Any(i => texts[i].Length > position);

    protected override bool SelfAcceptsNonAscii(int low, int high) =>
        alive.Any(i => texts[i].Length > position && texts[i][position] >= low && texts[i][position] <= high);
}
