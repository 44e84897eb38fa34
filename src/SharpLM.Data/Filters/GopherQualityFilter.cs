using System.Collections.Frozen;
using SharpLM.Data.Text;

namespace SharpLM.Data.Filters;

/// <summary>
/// Gopher quality heuristics (Rae et al. 2021, as implemented by datatrove's GopherQualityFilter): document
/// length, mean word length, '#' and ellipsis density, bullet and ellipsis-ended lines, alphabetic words and
/// stop words. Words come from <see cref="WordTokenizer"/>; "non-symbol words" are its word tokens, while
/// ratios "per word" divide by all tokens, symbol runs included, as datatrove does. Rules are checked in the
/// order of <see cref="Rules"/>; the first failure names the rejection.
/// </summary>
public sealed class GopherQualityFilter : IDocumentFilter
{
    public const string MinDocWords = "gopher_quality.min_doc_words";
    public const string MaxDocWords = "gopher_quality.max_doc_words";
    public const string MinAvgWordLength = "gopher_quality.min_avg_word_length";
    public const string MaxAvgWordLength = "gopher_quality.max_avg_word_length";
    public const string HashRatio = "gopher_quality.max_symbol_word_ratio.hash";
    public const string EllipsisRatio = "gopher_quality.max_symbol_word_ratio.ellipsis";
    public const string BulletLines = "gopher_quality.max_bullet_lines_ratio";
    public const string EllipsisLines = "gopher_quality.max_ellipsis_lines_ratio";
    public const string AlphaWords = "gopher_quality.max_non_alpha_words_ratio";
    public const string StopWords = "gopher_quality.min_stop_words";

    private static readonly string[] AllRules =
        [MinDocWords, MaxDocWords, MinAvgWordLength, MaxAvgWordLength, HashRatio, EllipsisRatio, BulletLines, EllipsisLines, AlphaWords, StopWords];

    private readonly GopherQualityOptions _options;
    private readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> _stopWords;

    public GopherQualityFilter(GopherQualityOptions? options = null)
    {
        _options = options ?? new GopherQualityOptions();
        _options.Validate();
        _stopWords = _options.StopWords.ToFrozenSet(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public string Name => GopherQualityOptions.Section;

    public IReadOnlyList<string> Rules => AllRules;

    public FilterOutcome Apply(string text) => Check(text) is { } rule ? FilterOutcome.Reject(rule) : FilterOutcome.Keep(text);

    private string? Check(string text)
    {
        var o = _options;
        ReadOnlySpan<char> span = text;
        int tokens = 0, words = 0, alphaWords = 0, stopWords = 0;
        long wordChars = 0;
        int position = 0;
        while (WordTokenizer.Next(span, ref position, out int start, out int length, out bool isWord))
        {
            tokens++;
            if (!isWord) continue;
            var token = span.Slice(start, length);
            words++;
            wordChars += length;
            if (ContainsLetter(token)) alphaWords++;
            if (_stopWords.Contains(token)) stopWords++;
        }

        if (o.MinDocWords is { } minWords && words < minWords) return MinDocWords;
        if (o.MaxDocWords is { } maxWords && words > maxWords) return MaxDocWords;
        if (words > 0)
        {
            double meanLength = (double)wordChars / words;
            if (o.MinAvgWordLength is { } minMean && meanLength < minMean) return MinAvgWordLength;
            if (o.MaxAvgWordLength is { } maxMean && meanLength > maxMean) return MaxAvgWordLength;
        }
        if (tokens > 0 && o.MaxSymbolWordRatio is { } maxSymbols)
        {
            if ((double)span.Count('#') / tokens > maxSymbols) return HashRatio;
            if ((double)(CountNonOverlapping(span, "...") + span.Count('…')) / tokens > maxSymbols) return EllipsisRatio;
        }
        if (o.MaxBulletLinesRatio is not null || o.MaxEllipsisLinesRatio is not null)
        {
            int lines = 0, bullets = 0, ellipsisEnds = 0;
            position = 0;
            while (LineSplitter.Next(span, ref position, out int start, out int length))
            {
                lines++;
                var line = span.Slice(start, length);
                var head = line.TrimStart();
                if (head.StartsWith('•') || head.StartsWith('-')) bullets++;
                var tail = line.TrimEnd();
                if (tail.EndsWith("...") || tail.EndsWith('…')) ellipsisEnds++;
            }
            if (lines > 0)
            {
                if (o.MaxBulletLinesRatio is { } maxBullets && (double)bullets / lines > maxBullets) return BulletLines;
                if (o.MaxEllipsisLinesRatio is { } maxEllipsis && (double)ellipsisEnds / lines > maxEllipsis) return EllipsisLines;
            }
        }
        if (tokens > 0 && o.MaxNonAlphaWordsRatio is { } minAlpha && (double)alphaWords / tokens < minAlpha) return AlphaWords;
        if (o.MinStopWords is { } minStop && stopWords < minStop) return StopWords;
        return null;
    }

    private static bool ContainsLetter(ReadOnlySpan<char> token)
    {
        foreach (char c in token)
            if (char.IsLetter(c)) return true;
        return false;
    }

    /// <summary>Occurrences of <paramref name="value"/> counted left to right without overlap (Python's str.count).</summary>
    internal static int CountNonOverlapping(ReadOnlySpan<char> text, ReadOnlySpan<char> value)
    {
        int count = 0;
        while (true)
        {
            int at = text.IndexOf(value, StringComparison.Ordinal);
            if (at < 0) return count;
            count++;
            text = text[(at + value.Length)..];
        }
    }
}
