using SharpLM.Data.Text;

namespace SharpLM.Data.Filters;

/// <summary>
/// Gopher repetition heuristics with datatrove's counting:
/// <list type="bullet">
/// <item>paragraphs (the trimmed text split on two or more newlines) and lines (split on runs of newlines,
/// empty pieces dropped): every occurrence after the first of an identical paragraph/line is a duplicate;
/// rules on the duplicate count over the total and on the duplicates' characters over the text length;</item>
/// <item>top n-grams (n = 2, 3, 4): characters of the most frequent n-gram (its words joined by single spaces)
/// times its count, over the text length; ties go to the n-gram that occurs first;</item>
/// <item>duplicated n-grams (n = 5..10): scanning left to right, an n-gram seen before adds its characters and
/// jumps n words ahead (so overlapping repeats are not double-counted), otherwise it is remembered and the scan
/// moves one word.</item>
/// </list>
/// Words are all tokens of <see cref="WordTokenizer"/> (symbol runs included, like NLTK's tokens). Rule names:
/// "gopher_repetition.dup_para_frac", ".dup_para_char_frac", ".dup_line_frac", ".dup_line_char_frac",
/// ".top_{n}_gram", ".duplicated_{n}_n_grams". Thread-safe: scratch buffers are per thread.
/// </summary>
public sealed class GopherRepetitionFilter : IDocumentFilter
{
    public const string DupParaFrac = "gopher_repetition.dup_para_frac";
    public const string DupParaCharFrac = "gopher_repetition.dup_para_char_frac";
    public const string DupLineFrac = "gopher_repetition.dup_line_frac";
    public const string DupLineCharFrac = "gopher_repetition.dup_line_char_frac";

    private readonly GopherRepetitionOptions _options;
    private readonly string[] _topRules;
    private readonly string[] _dupRules;
    private readonly string[] _rules;

    [ThreadStatic] private static RepetitionScratch? t_scratch;

    public GopherRepetitionFilter(GopherRepetitionOptions? options = null)
    {
        _options = options ?? new GopherRepetitionOptions();
        _options.Validate();
        _topRules = _options.TopNGrams.Select(t => $"gopher_repetition.top_{t.N}_gram").ToArray();
        _dupRules = _options.DupNGrams.Select(t => $"gopher_repetition.duplicated_{t.N}_n_grams").ToArray();
        _rules = [DupParaFrac, DupParaCharFrac, DupLineFrac, DupLineCharFrac, .. _topRules, .. _dupRules];
    }

    public string Name => GopherRepetitionOptions.Section;

    public IReadOnlyList<string> Rules => _rules;

    public FilterOutcome Apply(string text) => Check(text) is { } rule ? FilterOutcome.Reject(rule) : FilterOutcome.Keep(text);

    private string? Check(string text)
    {
        if (text.Length == 0) return null;
        var o = _options;
        var scratch = t_scratch ??= new RepetitionScratch();
        scratch.Begin(text);
        double length = text.Length;

        scratch.SplitParagraphs();
        var (paragraphDuplicates, paragraphChars) = scratch.CountDuplicatePieces();
        if (o.DupParaFrac is { } dupPara && (double)paragraphDuplicates / scratch.PieceCount > dupPara) return DupParaFrac;
        if (o.DupParaCharFrac is { } dupParaChars && paragraphChars / length > dupParaChars) return DupParaCharFrac;

        scratch.SplitLines();
        if (scratch.PieceCount > 0)
        {
            var (lineDuplicates, lineChars) = scratch.CountDuplicatePieces();
            if (o.DupLineFrac is { } dupLine && (double)lineDuplicates / scratch.PieceCount > dupLine) return DupLineFrac;
            if (o.DupLineCharFrac is { } dupLineChars && lineChars / length > dupLineChars) return DupLineCharFrac;
        }

        if (o.TopNGrams.Count == 0 && o.DupNGrams.Count == 0) return null;
        scratch.TokenizeWords();
        for (int i = 0; i < o.TopNGrams.Count; i++)
        {
            var (n, fraction) = (o.TopNGrams[i].N, o.TopNGrams[i].Fraction);
            if (scratch.WordCount < n) continue;
            if (scratch.TopNGramChars(n) / length > fraction) return _topRules[i];
        }
        for (int i = 0; i < o.DupNGrams.Count; i++)
        {
            var (n, fraction) = (o.DupNGrams[i].N, o.DupNGrams[i].Fraction);
            if (scratch.WordCount < n) continue;
            if (scratch.DuplicatedNGramChars(n) / length > fraction) return _dupRules[i];
        }
        return null;
    }
}
