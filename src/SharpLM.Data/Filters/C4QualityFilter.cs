using System.Text;
using System.Text.RegularExpressions;
using SharpLM.Data.Text;

namespace SharpLM.Data.Filters;

/// <summary>
/// The C4 clean-up rules (Raffel et al. 2020, as datatrove's C4QualityFilter applies them). Each line (or
/// sentence, without <see cref="C4Options.SplitParagraph"/>) is trimmed, then in order: dropped if it has a
/// word longer than max_word_length; stripped of citation marks; dropped without terminal punctuation;
/// dropped with fewer than min_words_per_line words (counted before citation removal); the whole document is
/// rejected if it mentions "lorem ipsum"; dropped if it mentions "javascript"; the document is rejected if it
/// contains '{'; dropped if it holds policy boilerplate. The kept lines' sentences are counted and the document
/// is rejected below min_num_sentences; otherwise its text becomes the kept lines joined by newlines.
/// </summary>
public sealed partial class C4QualityFilter : IDocumentFilter
{
    public const string LoremIpsum = "c4.lorem_ipsum";
    public const string CurlyBracket = "c4.curly_bracket";
    public const string MinNumSentences = "c4.min_num_sentences";
    public const string LineTooLongWord = "c4.line.max_word_length";
    public const string LineNoTerminalPunct = "c4.line.no_terminal_punct";
    public const string LineTooFewWords = "c4.line.min_words_per_line";
    public const string LineJavascript = "c4.line.javascript";
    public const string LinePolicy = "c4.line.policy";
    public const string LineKept = "c4.line.kept";

    private static readonly string[] DocumentRules = [LoremIpsum, CurlyBracket, MinNumSentences];
    private static readonly string[] PolicySubstrings = ["terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies", "use cookies"];

    [GeneratedRegex(@"\[\d*\]|\[edit\]|\[citation needed\]", RegexOptions.CultureInvariant)]
    private static partial Regex Citation();

    [ThreadStatic] private static StringBuilder? t_builder;

    private readonly C4Options _options;

    public C4QualityFilter(C4Options? options = null)
    {
        _options = options ?? new C4Options();
        _options.Validate();
    }

    public string Name => C4Options.Section;

    /// <summary>Document-level rejections; line removals are counted under the "c4.line.*" names.</summary>
    public IReadOnlyList<string> Rules => DocumentRules;

    /// <summary>Every line-level counter name, for reports that list zero counts too.</summary>
    public static IReadOnlyList<string> LineRules { get; } = [LineTooLongWord, LineNoTerminalPunct, LineTooFewWords, LineJavascript, LinePolicy, LineKept];

    public FilterOutcome Apply(string text) => Apply(text, null);

    public FilterOutcome Apply(string text, FilterCounters? counters)
    {
        var outcome = Run(text, counters);
        counters?.Record(outcome);
        return outcome;
    }

    private FilterOutcome Run(string text, FilterCounters? counters)
    {
        var o = _options;
        var output = t_builder ??= new StringBuilder();
        output.Clear();
        ReadOnlySpan<char> all = text;
        int sentences = 0;
        int position = 0;
        int start, length;
        while (o.SplitParagraph
                   ? LineSplitter.Next(all, ref position, out start, out length)
                   : SentenceSplitter.Next(all, ref position, out start, out length))
        {
            ReadOnlySpan<char> line = all.Slice(start, length).Trim();
            var (words, longest) = MeasureWords(line);
            if (o.MaxWordLength is { } maxWord && longest > maxWord) { counters?.Increment(LineTooLongWord); continue; }
            string? withoutCitations = null;
            if (o.RemoveCitations && line.IndexOf('[') >= 0)
            {
                withoutCitations = Citation().Replace(line.ToString(), "");
                line = withoutCitations;
            }
            if (o.FilterNoTerminalPunct && (!EndsWithTerminal(line) || line.EndsWith("..."))) { counters?.Increment(LineNoTerminalPunct); continue; }
            if (o.MinWordsPerLine is { } minWords && words < minWords) { counters?.Increment(LineTooFewWords); continue; }
            if (o.FilterLoremIpsum && line.Contains("lorem ipsum", StringComparison.OrdinalIgnoreCase)) return FilterOutcome.Reject(LoremIpsum);
            if (o.FilterJavascript && line.Contains("javascript", StringComparison.OrdinalIgnoreCase)) { counters?.Increment(LineJavascript); continue; }
            if (o.FilterCurlyBracket && line.Contains('{')) return FilterOutcome.Reject(CurlyBracket);
            if (o.FilterPolicy && ContainsPolicy(line)) { counters?.Increment(LinePolicy); continue; }
            if (o.MinNumSentences is not null) sentences += o.SplitParagraph ? SentenceSplitter.Count(line) : 1;
            if (output.Length > 0) output.Append(o.SplitParagraph ? '\n' : ' ');
            output.Append(line);
            counters?.Increment(LineKept);
        }
        if (o.MinNumSentences is { } minSentences && sentences < minSentences) return FilterOutcome.Reject(MinNumSentences);
        string result = output.ToString().Trim();
        if (output.Capacity > 1 << 20) output.Capacity = 1 << 16;   // do not pin a huge buffer to the thread
        return FilterOutcome.Keep(result == text ? text : result);
    }

    private static (int Words, int Longest) MeasureWords(ReadOnlySpan<char> line)
    {
        int words = 0, longest = 0, run = 0;
        foreach (char c in line)
        {
            if (char.IsWhiteSpace(c))
            {
                if (run > 0) { words++; longest = Math.Max(longest, run); run = 0; }
                continue;
            }
            run++;
        }
        if (run > 0) { words++; longest = Math.Max(longest, run); }
        return (words, longest);
    }

    private static bool EndsWithTerminal(ReadOnlySpan<char> line) => line.Length > 0 && line[^1] is '.' or '?' or '!' or '"' or '\'';

    private static bool ContainsPolicy(ReadOnlySpan<char> line)
    {
        foreach (string policy in PolicySubstrings)
            if (line.Contains(policy, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }
}
