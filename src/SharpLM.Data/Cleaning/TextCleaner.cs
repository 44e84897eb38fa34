using System.Globalization;
using System.Text;

namespace SharpLM.Data.Cleaning;

/// <summary>
/// Normalises document text: Unicode normalisation (NFC by default), removal of control and format
/// characters other than tab and newline, unified line endings, trailing spaces trimmed, runs of spaces
/// collapsed and at most one blank line between paragraphs.
/// </summary>
public sealed class TextCleaner
{
    private readonly NormalizationForm _form;

    public TextCleaner(NormalizationForm form = NormalizationForm.FormC) => _form = form;

    public string Clean(string text)
    {
        string normalized = text.IsNormalized(_form) ? text : text.Normalize(_form);
        var builder = new StringBuilder(normalized.Length);
        int pendingNewlines = 0;
        bool pendingSpace = false;
        foreach (char raw in normalized.Replace("\r\n", "\n"))
        {
            char c = raw == '\r' ? '\n' : raw;
            if (c == '\n')
            {
                pendingNewlines++;
                pendingSpace = false;
                continue;
            }
            if (c == ' ' || c == '\t' || c == '\u00A0' || char.GetUnicodeCategory(c) == UnicodeCategory.SpaceSeparator)
            {
                pendingSpace = true;
                continue;
            }
            if (char.IsControl(c) || (char.GetUnicodeCategory(c) == UnicodeCategory.Format && c != '\u200D')) continue;
            if (builder.Length > 0)
            {
                if (pendingNewlines > 0) builder.Append('\n', Math.Min(pendingNewlines, 2));
                else if (pendingSpace) builder.Append(' ');
            }
            pendingNewlines = 0;
            pendingSpace = false;
            builder.Append(c);
        }
        return builder.ToString();
    }
}
