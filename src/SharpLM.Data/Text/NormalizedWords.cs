namespace SharpLM.Data.Text;

/// <summary>
/// The word normalisation shared by near-duplicate detection and contamination checks (datatrove's
/// simplify_text without its number and diacritic options): lowercase (invariant culture), punctuation and
/// symbol characters deleted (so "don't" becomes "dont" and "e-mail" "email"), whitespace and control
/// characters separate words. The normalised words are written into one reusable buffer, separated by single
/// spaces, so an n-gram of consecutive words is one contiguous span that can be hashed without copying.
/// Not thread-safe: callers keep one instance per thread.
/// </summary>
public sealed class NormalizedWords
{
    private char[] _chars = new char[1024];
    private int[] _starts = new int[128];
    private int[] _ends = new int[128];

    public int Count { get; private set; }

    public void Load(ReadOnlySpan<char> text)
    {
        if (_chars.Length < text.Length) _chars = new char[Math.Max(text.Length, _chars.Length * 2)];
        Count = 0;
        int length = 0;
        bool inWord = false;
        foreach (char raw in text)
        {
            if (char.IsWhiteSpace(raw) || char.IsControl(raw))
            {
                if (inWord) CloseWord(length);
                inWord = false;
                continue;
            }
            if (char.IsPunctuation(raw) || char.IsSymbol(raw)) continue;
            if (!inWord)
            {
                if (Count > 0) _chars[length++] = ' ';
                OpenWord(length);
                inWord = true;
            }
            _chars[length++] = char.ToLowerInvariant(raw);
        }
        if (inWord) CloseWord(length);
    }

    /// <summary>Words <paramref name="first"/> .. first + count − 1 joined by single spaces.</summary>
    public ReadOnlySpan<char> Span(int first, int count) => _chars.AsSpan(_starts[first], _ends[first + count - 1] - _starts[first]);

    public ReadOnlySpan<char> Word(int index) => Span(index, 1);

    private void OpenWord(int at)
    {
        if (Count == _starts.Length)
        {
            Array.Resize(ref _starts, Count * 2);
            Array.Resize(ref _ends, Count * 2);
        }
        _starts[Count] = at;
    }

    private void CloseWord(int at) => _ends[Count++] = at;
}
