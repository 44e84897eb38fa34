namespace SharpLM.Data.Text;

/// <summary>
/// Line iteration with Python's <c>str.splitlines()</c> boundaries (\n, \r\n, \r, \v, \f, \x1c–\x1e, \x85,
/// U+2028, U+2029), without allocating: the reference filters are defined over that split.
/// </summary>
public static class LineSplitter
{
    /// <summary>The next line at or after <paramref name="position"/> (terminator excluded); false when the text is exhausted.</summary>
    public static bool Next(ReadOnlySpan<char> text, ref int position, out int start, out int length)
    {
        start = position;
        if (position >= text.Length)
        {
            length = 0;
            return false;
        }
        int i = position;
        while (i < text.Length && !IsBreak(text[i])) i++;
        length = i - start;
        if (i < text.Length)
        {
            if (text[i] == '\r' && i + 1 < text.Length && text[i + 1] == '\n') i++;
            i++;
        }
        position = i;
        return true;
    }

    public static bool IsBreak(char c) => c is '\n' or '\r' or '\v' or '\f' or '\x1c' or '\x1d' or '\x1e' or '\x85' or '\u2028' or '\u2029';
}
