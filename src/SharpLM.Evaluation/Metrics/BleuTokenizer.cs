using System.Text.RegularExpressions;
using SharpLM.Core;

namespace SharpLM.Evaluation.Metrics;

/// <summary>
/// sacreBLEU's tokenizers: <c>13a</c> (mteval-v13a, the default), <c>none</c>, <c>intl</c> (mteval-v14 international)
/// and <c>char</c>. Each returns the segment with tokens separated by single spaces.
/// </summary>
public static partial class BleuTokenizer
{
    public static readonly IReadOnlyList<string> Names = ["13a", "none", "intl", "char"];

    public static Func<string, string> ForName(string name) => name switch
    {
        "13a" => Tokenize13a,
        "none" => text => text,
        "intl" => TokenizeInternational,
        "char" => TokenizeCharacters,
        _ => throw new SharpLMException($"Unknown BLEU tokenizer '{name}' (expected one of {string.Join(", ", Names)})."),
    };

    public static string Tokenize13a(string line)
    {
        line = line.Replace("<skipped>", "").Replace("-\n", "").Replace("\n", " ");
        if (line.Contains('&'))
            line = line.Replace("&quot;", "\"").Replace("&amp;", "&").Replace("&lt;", "<").Replace("&gt;", ">");
        line = $" {line} ";
        // The apostrophe is deliberately not in the punctuation class: mteval-v13a keeps "don't" whole.
        line = Punctuation13a().Replace(line, " $1 ");
        line = PeriodCommaAfterNonDigit().Replace(line, "$1 $2 ");
        line = PeriodCommaBeforeNonDigit().Replace(line, " $1 $2");
        line = DashAfterDigit().Replace(line, "$1 $2 ");
        return string.Join(' ', PythonText.Split(line));
    }

    public static string TokenizeInternational(string line)
    {
        line = PunctuationAfterNonNumber().Replace(line, "$1 $2 ");
        line = PunctuationBeforeNonNumber().Replace(line, " $1 $2");
        line = Symbol().Replace(line, " $1 ");
        return string.Join(' ', PythonText.Split(line));
    }

    // Python iterates code points, so a character outside the BMP is one token, not two surrogates.
    public static string TokenizeCharacters(string line) => string.Join(' ', line.EnumerateRunes().Select(r => r.ToString()));

    [GeneratedRegex(@"([\{-\~\[-\` -\&\(-\+\:-\@\/])")]
    private static partial Regex Punctuation13a();

    [GeneratedRegex(@"([^0-9])([\.,])")]
    private static partial Regex PeriodCommaAfterNonDigit();

    [GeneratedRegex(@"([\.,])([^0-9])")]
    private static partial Regex PeriodCommaBeforeNonDigit();

    [GeneratedRegex(@"([0-9])(-)")]
    private static partial Regex DashAfterDigit();

    [GeneratedRegex(@"(\P{N})(\p{P})")]
    private static partial Regex PunctuationAfterNonNumber();

    [GeneratedRegex(@"(\p{P})(\P{N})")]
    private static partial Regex PunctuationBeforeNonNumber();

    [GeneratedRegex(@"(\p{S})")]
    private static partial Regex Symbol();
}
