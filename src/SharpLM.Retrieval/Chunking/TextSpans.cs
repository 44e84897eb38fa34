using System.Text.RegularExpressions;

namespace SharpLM.Retrieval.Chunking;

/// <summary>
/// The semantic boundaries a chunk may end on: paragraphs (a blank line, or a single line break in text that has
/// no blank lines), then sentences inside them. Spans exclude surrounding white space.
/// </summary>
public static partial class TextSpans
{
    [GeneratedRegex(@"\n[ \t\r]*\n")]
    private static partial Regex BlankLine();

    // A sentence ends at ., ! or ? (and any closing quotes or brackets) followed by white space.
    [GeneratedRegex(@"[.!?]+[""'”’)\]]*(?=\s)")]
    private static partial Regex SentenceEnd();

    public static List<(int Start, int End)> Paragraphs(string text)
    {
        var breaks = BlankLine().IsMatch(text) ? BlankLine().Matches(text).Select(m => (m.Index, m.Length)).ToList()
            : text.Select((c, i) => (c, i)).Where(p => p.c == '\n').Select(p => (p.i, 1)).ToList();
        var spans = new List<(int, int)>();
        int start = 0;
        foreach (var (index, length) in breaks)
        {
            AddTrimmed(text, start, index, spans);
            start = index + length;
        }
        AddTrimmed(text, start, text.Length, spans);
        return spans;
    }

    public static List<(int Start, int End)> Sentences(string text, int start, int end)
    {
        var spans = new List<(int, int)>();
        int from = start;
        foreach (Match match in SentenceEnd().Matches(text[..end], start))
        {
            int stop = match.Index + match.Length;
            AddTrimmed(text, from, stop, spans);
            from = stop;
        }
        AddTrimmed(text, from, end, spans);
        return spans;
    }

    private static void AddTrimmed(string text, int start, int end, List<(int, int)> spans)
    {
        while (start < end && char.IsWhiteSpace(text[start])) start++;
        while (end > start && char.IsWhiteSpace(text[end - 1])) end--;
        if (end > start) spans.Add((start, end));
    }
}
