using System.Text.Json.Serialization;

namespace SharpLM.Data.Filters;

/// <summary>Switches and thresholds of <see cref="C4QualityFilter"/> (C4 paper's clean-up; datatrove defaults).</summary>
public sealed record C4Options
{
    public const string Section = "c4";

    /// <summary>True: work on lines (text.splitlines()); false: on sentences of the whole text, rejoined with spaces.</summary>
    [JsonPropertyName("split_paragraph")] public bool SplitParagraph { get; init; } = true;

    /// <summary>Remove Wikipedia-style citation marks "[1]", "[edit]", "[citation needed]".</summary>
    [JsonPropertyName("remove_citations")] public bool RemoveCitations { get; init; } = true;

    /// <summary>Drop lines that do not end in '.', '?', '!', '"' or '\'' (or that end in "...").</summary>
    [JsonPropertyName("filter_no_terminal_punct")] public bool FilterNoTerminalPunct { get; init; } = true;

    /// <summary>Reject the document when the kept lines hold fewer sentences (null: off).</summary>
    [JsonPropertyName("min_num_sentences")] public int? MinNumSentences { get; init; } = 5;

    /// <summary>Drop lines with fewer whitespace-separated words (null: off).</summary>
    [JsonPropertyName("min_words_per_line")] public int? MinWordsPerLine { get; init; } = 3;

    /// <summary>Drop lines containing a longer word (null: off).</summary>
    [JsonPropertyName("max_word_length")] public int? MaxWordLength { get; init; } = 1000;

    /// <summary>Reject the document when a line contains "lorem ipsum".</summary>
    [JsonPropertyName("filter_lorem_ipsum")] public bool FilterLoremIpsum { get; init; } = true;

    /// <summary>Drop lines mentioning "javascript".</summary>
    [JsonPropertyName("filter_javascript")] public bool FilterJavascript { get; init; } = true;

    /// <summary>Reject the document when a kept line contains '{' (code, templates).</summary>
    [JsonPropertyName("filter_curly_bracket")] public bool FilterCurlyBracket { get; init; } = true;

    /// <summary>Drop lines with cookie/terms/privacy-policy boilerplate.</summary>
    [JsonPropertyName("filter_policy")] public bool FilterPolicy { get; init; } = true;

    public void Validate()
    {
        OptionChecks.NonNegative($"{Section}.min_num_sentences", MinNumSentences);
        OptionChecks.NonNegative($"{Section}.min_words_per_line", MinWordsPerLine);
        if (MaxWordLength is { } max) OptionChecks.Positive($"{Section}.max_word_length", max);
    }
}
