using System.Text.Json;
using System.Text.RegularExpressions;

namespace SharpLM.Evaluation.Suite;

/// <summary>Text helpers the generators share: YAML scalars, words and sentences.</summary>
internal static partial class SuiteText
{
    /// <summary>A YAML double-quoted scalar: JSON's string escapes are a subset of YAML's.</summary>
    public static string Quote(string text) => JsonSerializer.Serialize(text);

    public static int Words(string text) => WordPattern().Count(text);

    /// <summary>Sentences: the shortest runs ending in . ! or ? (and closing quotes) before whitespace or the end, whitespace collapsed.</summary>
    public static List<string> Sentences(string text) =>
        SentencePattern().Matches(Whitespace().Replace(text, " ")).Select(m => m.Value.Trim()).Where(s => s.Length > 0).ToList();

    /// <summary>The data-file part of a task YAML: local JSON Lines files, one per split.</summary>
    public static string DataFiles(string task, params string[] splits) =>
        "dataset_path: json\ndataset_kwargs:\n  data_files:\n" + string.Concat(splits.Select(s => $"    {s}: {SuiteTask.DataFile(task, s)}\n"));

    /// <summary>
    /// Short-answer scoring: the answer's leading whitespace stripped, then exact match ignoring case and punctuation
    /// (lm-eval's capitals-style tasks), followed by the task metadata. Ends with a newline.
    /// </summary>
    public const string StrippedExactMatchScoring = """
        filter_list:
          - name: strip
            filter:
              - function: remove_whitespace
              - function: take_first
        metric_list:
          - metric: exact_match
            aggregation: mean
            higher_is_better: true
            ignore_case: true
            ignore_punctuation: true
        metadata:
          version: 1.0

        """;

    /// <summary>
    /// gsm8k's scoring, as lm-eval's gsm8k task writes it: exact match after dropping commas, dollars, everything up to
    /// "#### " and a final period, under two filters (strict "#### n", and the last number anywhere). Ends with a newline.
    /// </summary>
    public const string Gsm8kScoring = """
        metric_list:
          - metric: exact_match
            aggregation: mean
            higher_is_better: true
            ignore_case: true
            ignore_punctuation: false
            regexes_to_ignore: [",", "\\$", "(?s).*#### ", "\\.$"]
        filter_list:
          - name: strict-match
            filter:
              - function: regex
                regex_pattern: "#### (\\-?[0-9\\.\\,]+)"
              - function: take_first
          - name: flexible-extract
            filter:
              - function: regex
                group_select: -1
                regex_pattern: "(-?[$0-9.,]{2,})|(-?[0-9]+)"
              - function: take_first

        """;

    [GeneratedRegex(@"\S+")]
    private static partial Regex WordPattern();

    [GeneratedRegex(@"\S.*?[.!?]+[""'’”)]*(?=\s|$)")]
    private static partial Regex SentencePattern();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
