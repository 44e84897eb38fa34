namespace SharpLM.Data.Text;

/// <summary>
/// A rule-based sentence splitter: a sentence ends after a run of '.', '!' or '?' (optionally followed by
/// closing quotes or brackets) that is followed by whitespace or the end of the text. It has no abbreviation
/// list (unlike NLTK's Punkt), so "Dr. Smith" counts as two sentences.
/// </summary>
public static class SentenceSplitter
{
    /// <summary>The next sentence (trimmed) at or after <paramref name="position"/>; false when only whitespace is left.</summary>
    public static bool Next(ReadOnlySpan<char> text, ref int position, out int start, out int length)
    {
        int i = position;
        while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
        start = i;
        if (i >= text.Length)
        {
            position = i;
            length = 0;
            return false;
        }
        while (i < text.Length)
        {
            if (text[i] is '.' or '!' or '?')
            {
                int end = i + 1;
                while (end < text.Length && text[end] is '.' or '!' or '?') end++;
                while (end < text.Length && text[end] is '"' or '\'' or '\u201D' or '\u2019' or ')' or ']') end++;
                if (end >= text.Length || char.IsWhiteSpace(text[end]))
                {
                    length = end - start;
                    position = end;
                    return true;
                }
                i = end;
                continue;
            }
            i++;
        }
        int stop = text.Length;
        while (stop > start && char.IsWhiteSpace(text[stop - 1])) stop--;
        length = stop - start;
        position = text.Length;
        return true;
    }

    public static int Count(ReadOnlySpan<char> text)
    {
        int count = 0, position = 0;
        while (Next(text, ref position, out _, out _)) count++;
        return count;
    }
}
