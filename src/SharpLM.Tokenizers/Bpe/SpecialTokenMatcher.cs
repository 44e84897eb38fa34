using System.Buffers;

namespace SharpLM.Tokenizers.Bpe;

/// <summary>
/// Finds special tokens in text: leftmost match first, the longest special token at that position, as Hugging
/// Face's added-vocabulary splitter does. A character trie rather than a regex alternation, because tokenizers
/// may hold thousands of special tokens (reserved ones filling unused ids), and a compiled regex of that many
/// alternatives takes tens of seconds to build.
/// </summary>
internal sealed class SpecialTokenMatcher
{
    private sealed class Node
    {
        public readonly Dictionary<char, Node> Children = [];
        public bool IsToken;
    }

    private readonly Node _root = new();
    private readonly SearchValues<char> _firstChars;

    public SpecialTokenMatcher(IEnumerable<string> tokens)
    {
        foreach (string token in tokens)
        {
            var node = _root;
            foreach (char c in token)
            {
                if (!node.Children.TryGetValue(c, out var child)) node.Children[c] = child = new Node();
                node = child;
            }
            node.IsToken = true;
        }
        _firstChars = SearchValues.Create([.. _root.Children.Keys]);
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
            int start = position + offset, longest = 0;
            var node = _root;
            for (int i = start; i < text.Length && node.Children.TryGetValue(text[i], out var next); i++)
            {
                node = next;
                if (node.IsToken) longest = i - start + 1;
            }
            if (longest > 0)
            {
                matches.Add((start, longest));
                position = start + longest;
            }
            else position = start + 1;
        }
        return matches;
    }
}
