namespace SharpLM.Evaluation.Metrics;

/// <summary>Word n-gram counts keyed by the tokens joined with U+0001, which no tokenizer emits inside a token.</summary>
internal static class Ngrams
{
    private const char Separator = '\u0001';

    public static Dictionary<string, int> Count(IReadOnlyList<string> tokens, int maxOrder, int minOrder = 1)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int n = minOrder; n <= maxOrder; n++)
            for (int i = 0; i + n <= tokens.Count; i++)
            {
                string key = string.Join(Separator, tokens.Skip(i).Take(n));
                counts[key] = counts.GetValueOrDefault(key) + 1;
            }
        return counts;
    }

    public static int Order(string key) => key.Count(c => c == Separator) + 1;
}
