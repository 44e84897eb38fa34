using System.Text.Json.Serialization;
using SharpLM.Core;

namespace SharpLM.Data.Filters;

/// <summary>An n-gram size with its maximum character fraction.</summary>
public sealed record NGramThreshold(
    [property: JsonPropertyName("n")] int N,
    [property: JsonPropertyName("fraction")] double Fraction);

/// <summary>
/// Thresholds of <see cref="GopherRepetitionFilter"/> (Gopher paper, table A1; datatrove defaults). A null
/// fraction switches its rule off; an empty n-gram list switches those rules off.
/// </summary>
public sealed record GopherRepetitionOptions
{
    public const string Section = "gopher_repetition";

    [JsonPropertyName("dup_line_frac")] public double? DupLineFrac { get; init; } = 0.3;
    [JsonPropertyName("dup_para_frac")] public double? DupParaFrac { get; init; } = 0.3;
    [JsonPropertyName("dup_line_char_frac")] public double? DupLineCharFrac { get; init; } = 0.2;
    [JsonPropertyName("dup_para_char_frac")] public double? DupParaCharFrac { get; init; } = 0.2;

    /// <summary>Maximum fraction of characters covered by the most frequent n-gram, per n.</summary>
    [JsonPropertyName("top_n_grams")]
    public IReadOnlyList<NGramThreshold> TopNGrams { get; init; } = [new(2, 0.2), new(3, 0.18), new(4, 0.16)];

    /// <summary>Maximum fraction of characters covered by repeated n-grams (non-overlapping), per n.</summary>
    [JsonPropertyName("dup_n_grams")]
    public IReadOnlyList<NGramThreshold> DupNGrams { get; init; } =
        [new(5, 0.15), new(6, 0.14), new(7, 0.13), new(8, 0.12), new(9, 0.11), new(10, 0.10)];

    public void Validate()
    {
        OptionChecks.Fraction($"{Section}.dup_line_frac", DupLineFrac);
        OptionChecks.Fraction($"{Section}.dup_para_frac", DupParaFrac);
        OptionChecks.Fraction($"{Section}.dup_line_char_frac", DupLineCharFrac);
        OptionChecks.Fraction($"{Section}.dup_para_char_frac", DupParaCharFrac);
        CheckList("top_n_grams", TopNGrams);
        CheckList("dup_n_grams", DupNGrams);
    }

    private static void CheckList(string name, IReadOnlyList<NGramThreshold>? list)
    {
        if (list is null) throw new SharpLMException($"{Section}.{name} must be a list (use [] to switch the rule off).");
        for (int i = 0; i < list.Count; i++)
        {
            if (list[i] is null) throw new SharpLMException($"{Section}.{name}[{i}] must be an object with n and fraction.");
            OptionChecks.Positive($"{Section}.{name}[{i}].n", list[i].N);
            OptionChecks.Fraction($"{Section}.{name}[{i}].fraction", list[i].Fraction);
        }
    }
}
