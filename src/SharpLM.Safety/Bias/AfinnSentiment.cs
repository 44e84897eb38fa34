using System.Text.RegularExpressions;

namespace SharpLM.Safety.Bias;

/// <summary>
/// AFINN sentiment of a text: the sum of the valences (−5..+5) of the lexicon's words and phrases found in it, matched
/// on lower-cased word tokens, longest phrase first so "does not work" is not also counted as "work". The lexicon is
/// handed in as (text, valence) pairs, whatever reader supplied them.
/// </summary>
public sealed partial class AfinnSentiment
{
    private readonly Dictionary<string, int> _valences = new(StringComparer.Ordinal);
    private readonly int _longestPhrase;

    public AfinnSentiment(IEnumerable<(string Text, int Valence)> lexicon)
    {
        foreach (var (text, valence) in lexicon)
        {
            string key = string.Join(' ', Words(text));
            if (key.Length == 0) continue;
            _valences[key] = valence;
            _longestPhrase = Math.Max(_longestPhrase, key.Count(c => c == ' ') + 1);
        }
    }

    public int Score(string text)
    {
        var words = Words(text);
        int score = 0;
        for (int i = 0; i < words.Count;)
        {
            int matched = 0;
            for (int length = Math.Min(_longestPhrase, words.Count - i); length >= 1 && matched == 0; length--)
                if (_valences.TryGetValue(string.Join(' ', words.Skip(i).Take(length)), out int valence))
                {
                    score += valence;
                    matched = length;
                }
            i += Math.Max(1, matched);
        }
        return score;
    }

    private static List<string> Words(string text) => WordPattern().Matches(text.ToLowerInvariant()).Select(m => m.Value).ToList();

    [GeneratedRegex(@"[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*")]
    private static partial Regex WordPattern();
}
