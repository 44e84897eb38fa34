using System.Globalization;
using System.Text;

namespace SharpLM.Data.Cleaning;

/// <summary>
/// Normalises document text: Unicode normalisation (NFC by default), removal of control and format
/// characters other than tab and newline, unified line endings, trailing spaces trimmed, runs of spaces
/// collapsed and at most one blank line between paragraphs. Unicode line breaks count as line breaks
/// (U+0085 NEL and U+2028 as a newline, U+2029 and form feed as a paragraph break), and unpaired
/// surrogates, which JSON escapes can produce but UTF-8 cannot encode, are dropped.
/// </summary>
public sealed class TextCleaner
{
    private readonly NormalizationForm _form;

    public TextCleaner(NormalizationForm form = NormalizationForm.FormC) => _form = form;

    public string Clean(string text)
    {
        text = WithoutUnpairedSurrogates(text); // normalisation throws on them
        string normalized = text.IsNormalized(_form) ? text : text.Normalize(_form);
        var builder = new StringBuilder(normalized.Length);
        int pendingNewlines = 0;
        bool pendingSpace = false;
        string unified = normalized.Replace("\r\n", "\n");
        for (int i = 0; i < unified.Length; i++)
        {
            char c = unified[i];
            int breaks = c switch
            {
                '\n' or '\r' or '\u0085' or '\u2028' => 1,
                '\f' or '\u2029' => 2,
                _ => 0,
            };
            if (breaks > 0)
            {
                pendingNewlines += breaks;
                pendingSpace = false;
                continue;
            }
            if (c == ' ' || c == '\t' || c == '\u00A0' || char.GetUnicodeCategory(c) == UnicodeCategory.SpaceSeparator)
            {
                pendingSpace = true;
                continue;
            }
            if (char.IsControl(c) || (char.GetUnicodeCategory(c) == UnicodeCategory.Format && c != '\u200D')) continue;
            AppendPending(builder, ref pendingNewlines, ref pendingSpace);
            builder.Append(c);
        }
        return builder.ToString();
    }

    private static string WithoutUnpairedSurrogates(string text)
    {
        if (!text.AsSpan().ContainsAnyInRange('\uD800', '\uDFFF')) return text;
        var builder = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) builder.Append(c).Append(text[++i]);
            else if (!char.IsSurrogate(c)) builder.Append(c);
        }
        return builder.ToString();
    }

    /// <summary>Writes the separator owed before the next visible character: up to one blank line, else one space.</summary>
    private static void AppendPending(StringBuilder builder, ref int pendingNewlines, ref bool pendingSpace)
    {
        if (builder.Length > 0)
        {
            if (pendingNewlines > 0) builder.Append('\n', Math.Min(pendingNewlines, 2));
            else if (pendingSpace) builder.Append(' ');
        }
        pendingNewlines = 0;
        pendingSpace = false;
    }
}
