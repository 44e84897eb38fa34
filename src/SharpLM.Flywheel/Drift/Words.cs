using System.Text.RegularExpressions;

namespace SharpLM.Flywheel.Drift;

/// <summary>Words as the drift report counts them: runs of letters and digits (apostrophes kept inside), lower-cased.</summary>
internal static partial class Words
{
    public static IEnumerable<string> Of(string text) => Pattern().Matches(text).Select(m => m.Value.ToLowerInvariant());

    public static int Count(string text) => Pattern().Count(text);

    [GeneratedRegex(@"[\p{L}\p{N}]+(?:'[\p{L}\p{N}]+)*")]
    private static partial Regex Pattern();
}
