using System.Text.RegularExpressions;

namespace SharpLM.Evaluation.Scoring;

/// <summary>
/// lm-eval's <c>exact_match</c> (Hugging Face evaluate's): each of <c>regexes_to_ignore</c> is removed, in order,
/// from both strings, then <c>ignore_case</c> lowercases, <c>ignore_punctuation</c> drops ASCII punctuation and
/// <c>ignore_numbers</c> drops digits; the score is 1 when the strings are then equal.
/// </summary>
public sealed record ExactMatchOptions(IReadOnlyList<string> RegexesToIgnore, bool IgnoreCase, bool IgnorePunctuation, bool IgnoreNumbers)
{
    public static readonly ExactMatchOptions None = new([], false, false, false);
}

public static class ExactMatch
{
    private const string Punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

    public static double Score(string prediction, string reference, ExactMatchOptions options) =>
        Normalize(prediction, options) == Normalize(reference, options) ? 1.0 : 0.0;

    public static string Normalize(string text, ExactMatchOptions options)
    {
        foreach (string pattern in options.RegexesToIgnore) text = PythonRegex.Create(pattern).Replace(text, "");
        if (options.IgnoreCase) text = text.ToLowerInvariant();
        if (options.IgnorePunctuation) text = new string(text.Where(c => !Punctuation.Contains(c)).ToArray());
        if (options.IgnoreNumbers) text = new string(text.Where(c => !char.IsAsciiDigit(c)).ToArray());
        return text;
    }
}

/// <summary>Python <c>re</c> patterns as .NET regexes: the syntax lm-eval tasks use is shared; inline flags such as (?s) work in both.</summary>
internal static class PythonRegex
{
    private static readonly Dictionary<string, Regex> Cache = new(StringComparer.Ordinal);

    public static Regex Create(string pattern)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(pattern, out var regex))
            {
                try
                {
                    regex = new Regex(pattern, RegexOptions.CultureInvariant);
                }
                catch (ArgumentException e)
                {
                    throw new SharpLM.Core.SharpLMException($"the regular expression '{pattern}' is not valid ({e.Message}).");
                }
                Cache[pattern] = regex;
            }
            return regex;
        }
    }
}
