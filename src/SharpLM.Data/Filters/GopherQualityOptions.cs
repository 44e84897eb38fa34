using System.Text.Json.Serialization;

namespace SharpLM.Data.Filters;

/// <summary>
/// Thresholds of <see cref="GopherQualityFilter"/> (Gopher paper, table A1; datatrove defaults). A null
/// threshold switches its rule off.
/// </summary>
public sealed record GopherQualityOptions
{
    public const string Section = "gopher_quality";

    /// <summary>Minimum number of non-symbol words.</summary>
    [JsonPropertyName("min_doc_words")] public int? MinDocWords { get; init; } = 50;

    /// <summary>Maximum number of non-symbol words.</summary>
    [JsonPropertyName("max_doc_words")] public int? MaxDocWords { get; init; } = 100_000;

    /// <summary>Minimum mean length (characters) of the non-symbol words.</summary>
    [JsonPropertyName("min_avg_word_length")] public double? MinAvgWordLength { get; init; } = 3;

    /// <summary>Maximum mean length (characters) of the non-symbol words.</summary>
    [JsonPropertyName("max_avg_word_length")] public double? MaxAvgWordLength { get; init; } = 10;

    /// <summary>Maximum ratio of '#' characters, and separately of ellipses ("..." or "…"), to words.</summary>
    [JsonPropertyName("max_symbol_word_ratio")] public double? MaxSymbolWordRatio { get; init; } = 0.1;

    /// <summary>Maximum fraction of lines starting with a bullet ("•" or "-").</summary>
    [JsonPropertyName("max_bullet_lines_ratio")] public double? MaxBulletLinesRatio { get; init; } = 0.9;

    /// <summary>Maximum fraction of lines ending with an ellipsis.</summary>
    [JsonPropertyName("max_ellipsis_lines_ratio")] public double? MaxEllipsisLinesRatio { get; init; } = 0.3;

    /// <summary>
    /// The minimum fraction of words containing a letter (datatrove's historical name: the document is dropped
    /// when fewer than this fraction of its words are alphabetic).
    /// </summary>
    [JsonPropertyName("max_non_alpha_words_ratio")] public double? MaxNonAlphaWordsRatio { get; init; } = 0.8;

    /// <summary>Minimum number of stop-word occurrences (case-sensitive, as in datatrove).</summary>
    [JsonPropertyName("min_stop_words")] public int? MinStopWords { get; init; } = 2;

    [JsonPropertyName("stop_words")] public IReadOnlyList<string> StopWords { get; init; } = ["the", "be", "to", "of", "and", "that", "have", "with"];

    public void Validate()
    {
        OptionChecks.NonNegative($"{Section}.min_doc_words", MinDocWords);
        OptionChecks.NonNegative($"{Section}.max_doc_words", MaxDocWords);
        OptionChecks.Ordered($"{Section}.min_doc_words", MinDocWords, $"{Section}.max_doc_words", MaxDocWords);
        OptionChecks.NonNegative($"{Section}.min_avg_word_length", MinAvgWordLength);
        OptionChecks.NonNegative($"{Section}.max_avg_word_length", MaxAvgWordLength);
        OptionChecks.Ordered($"{Section}.min_avg_word_length", MinAvgWordLength, $"{Section}.max_avg_word_length", MaxAvgWordLength);
        OptionChecks.NonNegative($"{Section}.max_symbol_word_ratio", MaxSymbolWordRatio);
        OptionChecks.Fraction($"{Section}.max_bullet_lines_ratio", MaxBulletLinesRatio);
        OptionChecks.Fraction($"{Section}.max_ellipsis_lines_ratio", MaxEllipsisLinesRatio);
        OptionChecks.Fraction($"{Section}.max_non_alpha_words_ratio", MaxNonAlphaWordsRatio);
        OptionChecks.NonNegative($"{Section}.min_stop_words", MinStopWords);
        if (StopWords is null || StopWords.Any(string.IsNullOrWhiteSpace))
            throw new Core.SharpLMException($"{Section}.stop_words must be a list of non-empty words.");
    }
}
