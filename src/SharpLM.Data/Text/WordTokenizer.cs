using System.Globalization;

namespace SharpLM.Data.Text;

/// <summary>
/// The word tokenizer of the quality filters, an allocation-free approximation of the NLTK/Penn tokenizer that
/// datatrove applies before its Gopher rules. Tokens are either
/// <list type="bullet">
/// <item>word tokens: maximal runs of letters, digits, combining marks, '_' and non-BMP characters, which may
/// continue across a single apostrophe or hyphen between word characters ("don't", "well-known") and across a
/// single '.' or ',' between digits ("3.14", "1,000"); or</item>
/// <item>symbol tokens: maximal runs of other non-space characters ("...", "#", "!?", "--").</item>
/// </list>
/// Whitespace separates tokens and is never part of one. Unlike NLTK, contractions stay whole and
/// abbreviations keep no special treatment; the counts differ from datatrove's only at that level of detail.
/// </summary>
public static class WordTokenizer
{
    /// <summary>Finds the next token at or after <paramref name="position"/>; false at the end of the text.</summary>
    public static bool Next(ReadOnlySpan<char> text, ref int position, out int start, out int length, out bool isWord)
    {
        int i = position;
        while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
        if (i >= text.Length)
        {
            position = i;
            start = length = 0;
            isWord = false;
            return false;
        }
        start = i;
        isWord = IsWordChar(text[i]);
        if (isWord)
        {
            i++;
            while (i < text.Length)
            {
                char c = text[i];
                if (IsWordChar(c)) { i++; continue; }
                if (i + 1 < text.Length && IsJoiner(c, text[i - 1], text[i + 1])) { i += 2; continue; }
                break;
            }
        }
        else
        {
            i++;
            while (i < text.Length && !char.IsWhiteSpace(text[i]) && !IsWordChar(text[i])) i++;
        }
        length = i - start;
        position = i;
        return true;
    }

    public static bool IsWordChar(char c)
    {
        if (char.IsLetterOrDigit(c) || c == '_' || char.IsSurrogate(c)) return true;
        var category = char.GetUnicodeCategory(c);
        return category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark;
    }

    private static bool IsJoiner(char c, char before, char after)
    {
        if (c is '\'' or '\u2019' or '-') return IsWordChar(before) && IsWordChar(after);
        if (c is '.' or ',') return char.IsDigit(before) && char.IsDigit(after);
        return false;
    }
}
