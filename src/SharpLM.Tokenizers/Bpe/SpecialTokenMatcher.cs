using System.Buffers;

namespace SharpLM.Tokenizers.Bpe;

/// <summary>
/// Finds special tokens in text: leftmost match first, the longest special token at that position, as Hugging
/// Face's added-vocabulary splitter does. At each position where some special token could start, it looks up
/// the text's span for each distinct special-token length, longest first. Tokenizers may hold thousands of
/// special tokens (reserved ones filling unused ids) but only a few distinct lengths, and a compiled regex of
/// that many alternatives takes tens of seconds to build.
/// </summary>
internal sealed class SpecialTokenMatcher
{
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _tokens;
    private readonly int[] _lengthsLongestFirst;
    private readonly SearchValues<char> _firstChars;

    public SpecialTokenMatcher(IEnumerable<string> tokens)
    {
        var set = new HashSet<string>(tokens, StringComparer.Ordinal);
        _tokens = set.GetAlternateLookup<ReadOnlySpan<char>>();
        _lengthsLongestFirst = [.. set.Select(t => t.Length).Distinct().OrderDescending()];
        _firstChars = SearchValues.Create([.. set.Select(t => t[0]).Distinct()]);
    }

    /// <summary>The (start, length) of each special token in <paramref name="text"/>, left to right, not overlapping.</summary>
    public List<(int Index, int Length)> Matches(string text)
    {
        var matches = new List<(int, int)>();
        int position = 0;
        while (position < text.Length)
        {
            int offset = text.AsSpan(position).IndexOfAny(_firstChars);
            if (offset < 0) break;
            int start = position + offset, found = 0;
            foreach (int length in _lengthsLongestFirst)
            {
                if (start + length <= text.Length && _tokens.Contains(text.AsSpan(start, length)))
                {
                    found = length;
                    break;
                }
            }
            if (found > 0)
            {
                matches.Add((start, found));
                position = start + found;
            }
            else position = start + 1;
        }
        return matches;
    }
}
