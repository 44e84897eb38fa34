namespace SharpLM.Flywheel.Drift;

/// <summary>
/// A deliberately simple topic model: the topics are the training data's top keywords by summed TF-IDF (words of
/// three or more letters, not stop words nor numbers, found in at least two documents), one keyword a topic, and a
/// text belongs to the topic whose keyword scores highest in it (count × IDF; ties go to the higher-ranked topic),
/// or to "other" when it holds none. Limits: one word stands for a topic, so synonyms and phrasings split and
/// unrelated senses merge; the stop-word list is English; a topic new since training shows up only as growth of
/// "other" and in the emerging terms.
/// </summary>
public sealed class KeywordTopics
{
    public const string Other = "other";

    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "the", "and", "for", "are", "but", "not", "you", "all", "any", "can", "had", "her", "was", "one", "our", "out", "has", "him", "his", "how",
        "its", "may", "new", "now", "old", "see", "two", "way", "who", "did", "get", "let", "say", "she", "too", "use", "that", "with", "have", "this",
        "will", "your", "from", "they", "been", "were", "what", "when", "which", "their", "there", "would", "about", "could", "should", "into", "than",
        "then", "them", "these", "those", "some", "such", "only", "also", "very", "just", "more", "most", "other", "over", "here", "where", "why",
        "does", "doing", "each", "few", "being", "both", "because", "before", "after", "while", "between", "please", "tell", "give", "make", "like",
        "want", "need", "know", "can't", "don't", "i'm", "it's", "write", "explain", "describe", "yes", "off", "own", "same", "via",
    };

    private readonly Dictionary<string, double> _idf;

    private KeywordTopics(IReadOnlyList<string> keywords, Dictionary<string, double> idf)
    {
        Keywords = keywords;
        _idf = idf;
    }

    /// <summary>The topics' keywords, best first.</summary>
    public IReadOnlyList<string> Keywords { get; }

    public static bool IsTerm(string word) => word.Length >= 3 && !StopWords.Contains(word) && !word.All(char.IsDigit);

    public static KeywordTopics Learn(IReadOnlyList<string> training, int topics)
    {
        var documents = training.Select(t => Words.Of(t).Where(IsTerm).ToList()).ToList();
        var frequency = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var words in documents)
            foreach (string w in words.Distinct()) frequency[w] = frequency.GetValueOrDefault(w) + 1;
        var idf = frequency.ToDictionary(f => f.Key, f => Math.Log((double)documents.Count / f.Value), StringComparer.Ordinal);
        var score = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var words in documents.Where(d => d.Count > 0))
            foreach (var group in words.GroupBy(w => w))
                score[group.Key] = score.GetValueOrDefault(group.Key) + (double)group.Count() / words.Count * idf[group.Key];
        var keywords = score.Where(s => frequency[s.Key] >= 2 && s.Value > 0)
            .OrderByDescending(s => s.Value).ThenBy(s => s.Key, StringComparer.Ordinal).Take(topics).Select(s => s.Key).ToList();
        return new KeywordTopics(keywords, idf);
    }

    /// <summary>The topic of a text: one of <see cref="Keywords"/>, or <see cref="Other"/>.</summary>
    public string Assign(string text)
    {
        var counts = Words.Of(text).Where(IsTerm).GroupBy(w => w).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        string best = Other;
        double bestScore = 0;
        foreach (string keyword in Keywords)
            if (counts.TryGetValue(keyword, out int count) && count * _idf[keyword] > bestScore)
                (best, bestScore) = (keyword, count * _idf[keyword]);
        // A keyword found in every training document has IDF 0 and cannot win; take the first present then.
        if (best == Other) best = Keywords.FirstOrDefault(counts.ContainsKey) ?? Other;
        return best;
    }
}
