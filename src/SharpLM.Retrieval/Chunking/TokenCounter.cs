using System.Text.RegularExpressions;

namespace SharpLM.Retrieval.Chunking;

/// <summary>
/// Counts the tokens of a span for the chunk budget. The default counts words and punctuation marks, a lower bound
/// of the word pieces a BERT tokenizer makes of English; a model's own tokenizer can count instead.
/// </summary>
public static partial class TokenCounter
{
    [GeneratedRegex(@"[\p{L}\p{N}]+|[^\p{L}\p{N}\s]")]
    internal static partial Regex WordOrMark();

    public static int Words(ReadOnlySpan<char> text)
    {
        int count = 0;
        foreach (var _ in WordOrMark().EnumerateMatches(text)) count++;
        return count;
    }
}
