using System.Text;

namespace SharpLM.Data.Cleaning;

/// <summary>
/// Joins hard-wrapped lines back into paragraphs. Plain-text books and e-mail break prose at a fixed width (about
/// 70 characters), so one paragraph arrives as several lines, and line-level rules (C4's terminal punctuation and
/// words per line) then judge fragments of sentences and drop most of them. Written by hand: no .NET library does this.
/// <para>
/// A block (lines between blank lines) counts as wrapped prose when it has at least two lines, its longest line is
/// at least <see cref="MinimumWidth"/> characters, and at least a third of its lines after the first start with a
/// lowercase letter (a sentence carried on; verse and headings start their lines with capitals). In such a block a
/// line is joined to the next with a space when it is at least two thirds as long as the block's longest line (a
/// short line ends its paragraph), the next line is not a list item or a quotation ("- ", "* ", "• ", "1. ", "2) ",
/// "> "), and it does not end a sentence before a short line (a closing "Regards," or a heading). A line ending in a letter and a hyphen joins without a space and keeps its hyphen,
/// since "well-" + "known" cannot be told from "hyphen-" + "ated". Every other line break stays.
/// </para>
/// </summary>
public static class LineUnwrapper
{
    /// <summary>The line count the manifest keeps: line breaks replaced by a space (or by nothing after a hyphen).</summary>
    public const string Rule = "clean.unwrap.lines_joined";

    public const int MinimumWidth = 40;

    /// <summary>The text with its wrapped paragraphs joined (text as <see cref="TextCleaner"/> leaves it: "\n" line breaks).</summary>
    public static string Unwrap(string text, out int joined)
    {
        joined = 0;
        if (!text.Contains('\n')) return text;
        var builder = new StringBuilder(text.Length);
        var blocks = text.Split("\n\n");
        for (int b = 0; b < blocks.Length; b++)
        {
            if (b > 0) builder.Append("\n\n");
            string[] lines = blocks[b].Split('\n');
            int longest = lines.Max(l => l.Length);
            if (!IsWrappedProse(lines, longest))
            {
                builder.Append(blocks[b]);
                continue;
            }
            int full = longest * 2 / 3;
            builder.Append(lines[0]);
            for (int i = 1; i < lines.Length; i++)
            {
                string previous = lines[i - 1];
                bool endsSentence = previous.Length > 0 && previous[^1] is '.' or '!' or '?' or ':';
                if (previous.Length < full || StartsItem(lines[i]) || (endsSentence && lines[i].Length < full))
                {
                    builder.Append('\n').Append(lines[i]);
                    continue;
                }
                bool hyphenated = previous.Length >= 2 && previous[^1] == '-' && char.IsLetter(previous[^2]);
                if (!hyphenated) builder.Append(' ');
                builder.Append(lines[i]);
                joined++;
            }
        }
        return builder.ToString();
    }

    private static bool IsWrappedProse(string[] lines, int longest)
    {
        if (lines.Length < 2 || longest < MinimumWidth) return false;
        int carriedOn = lines.Skip(1).Count(l => l.Length > 0 && char.IsLower(l[0]));
        return carriedOn * 3 >= lines.Length - 1;
    }

    /// <summary>A list item or a quoted line: "- ", "* ", "• ", "> ", or a number followed by "." or ")" and a space.</summary>
    private static bool StartsItem(string line)
    {
        if (line.Length >= 2 && line[1] == ' ' && line[0] is '-' or '*' or '•' or '>') return true;
        if (line.Length > 0 && line[0] == '>') return true;
        int digits = 0;
        while (digits < line.Length && char.IsAsciiDigit(line[digits])) digits++;
        return digits > 0 && digits + 1 < line.Length && line[digits] is '.' or ')' && line[digits + 1] == ' ';
    }
}
