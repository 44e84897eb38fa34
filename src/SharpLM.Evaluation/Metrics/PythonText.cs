namespace SharpLM.Evaluation.Metrics;

/// <summary>
/// The few string operations the reference metric implementations take from Python, with Python's meaning:
/// their scores depend on exactly which characters count as whitespace.
/// </summary>
internal static class PythonText
{
    /// <summary>Python's <c>str.isspace</c>: .NET's whitespace plus the four information separators U+001C..U+001F.</summary>
    public static bool IsSpace(char c) => char.IsWhiteSpace(c) || (c >= '\u001c' && c <= '\u001f');

    /// <summary>Python's argument-less <c>str.split()</c>: runs of whitespace separate, no empty pieces.</summary>
    public static List<string> Split(string text)
    {
        var pieces = new List<string>();
        int start = -1;
        for (int i = 0; i < text.Length; i++)
        {
            if (IsSpace(text[i]))
            {
                if (start >= 0) pieces.Add(text[start..i]);
                start = -1;
            }
            else if (start < 0) start = i;
        }
        if (start >= 0) pieces.Add(text[start..]);
        return pieces;
    }

    /// <summary>Python's <c>str.rstrip()</c>.</summary>
    public static string TrimEnd(string text)
    {
        int end = text.Length;
        while (end > 0 && IsSpace(text[end - 1])) end--;
        return text[..end];
    }
}
