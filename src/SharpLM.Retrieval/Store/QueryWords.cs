using System.Text.RegularExpressions;

namespace SharpLM.Retrieval.Store;

/// <summary>
/// The words of a search query, lower-cased and each once: runs of letters and digits, so that punctuation and the
/// operators of a full-text query language in user text never reach the text index as syntax.
/// </summary>
public static partial class QueryWords
{
    [GeneratedRegex(@"[\p{L}\p{N}]+")]
    private static partial Regex Word();

    public static List<string> Of(string query) => Word().Matches(query).Select(m => m.Value.ToLowerInvariant()).Distinct().ToList();
}
