using System.Text.RegularExpressions;

namespace SharpLM.Evaluation.Metrics;

/// <summary>
/// rouge-score's default tokenizer: lowercase, every run of characters other than a-z and 0-9 becomes a space,
/// and, with stemming, tokens longer than three characters go through the Porter stemmer.
/// </summary>
public static partial class RougeTokenizer
{
    public static List<string> Tokenize(string text, bool stem)
    {
        text = NonAlphanumeric().Replace(text.ToLowerInvariant(), " ");
        var tokens = new List<string>();
        foreach (string token in text.Split(' '))
        {
            if (token.Length == 0) continue;
            tokens.Add(stem && token.Length > 3 ? PorterStemmer.Stem(token) : token);
        }
        return tokens;
    }

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NonAlphanumeric();
}
