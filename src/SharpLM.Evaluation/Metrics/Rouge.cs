namespace SharpLM.Evaluation.Metrics;

public sealed record RougeValue(double Precision, double Recall, double FMeasure)
{
    public static readonly RougeValue Zero = new(0, 0, 0);

    public static RougeValue From(double matches, double predicted, double target)
    {
        double precision = predicted > 0 ? matches / predicted : 0;
        double recall = target > 0 ? matches / target : 0;
        return new RougeValue(precision, recall, precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0);
    }
}

public sealed record RougeScore(RougeValue Rouge1, RougeValue Rouge2, RougeValue RougeL, RougeValue RougeLsum);

/// <summary>
/// ROUGE-1, ROUGE-2, ROUGE-L and ROUGE-Lsum as Google's rouge-score computes them with
/// <c>score(target, prediction)</c>: clipped n-gram overlap, the longest common subsequence of the token lists,
/// and for Lsum the summary-level union LCS over newline-separated sentences. F is F1.
/// </summary>
public static class Rouge
{
    public static RougeScore Score(string target, string prediction, bool stem = false)
    {
        var targetTokens = RougeTokenizer.Tokenize(target, stem);
        var predictionTokens = RougeTokenizer.Tokenize(prediction, stem);
        return new RougeScore(
            NgramOverlap(targetTokens, predictionTokens, 1),
            NgramOverlap(targetTokens, predictionTokens, 2),
            LongestCommonSubsequence(targetTokens, predictionTokens),
            SummaryLevel(Sentences(target, stem), Sentences(prediction, stem)));
    }

    /// <summary>
    /// rouge-score's <c>score_multi</c>: each ROUGE type independently takes the target that gives it the highest F
    /// (the first such target on ties).
    /// </summary>
    public static RougeScore ScoreMulti(IReadOnlyList<string> targets, string prediction, bool stem = false)
    {
        var scores = targets.Select(t => Score(t, prediction, stem)).ToList();
        static RougeValue Best(IEnumerable<RougeValue> values) => values.Aggregate((best, v) => v.FMeasure > best.FMeasure ? v : best);
        return new RougeScore(
            Best(scores.Select(s => s.Rouge1)), Best(scores.Select(s => s.Rouge2)),
            Best(scores.Select(s => s.RougeL)), Best(scores.Select(s => s.RougeLsum)));
    }

    /// <summary>
    /// The plain mean of precision, recall and F over segments (what lm-eval reports); rouge-score's
    /// BootstrapAggregator would report a resampled middle value instead.
    /// </summary>
    public static RougeScore Mean(IReadOnlyList<RougeScore> scores)
    {
        static RougeValue Average(IEnumerable<RougeValue> values)
        {
            var list = values.ToList();
            return list.Count == 0 ? RougeValue.Zero : new RougeValue(list.Average(v => v.Precision), list.Average(v => v.Recall), list.Average(v => v.FMeasure));
        }
        return new RougeScore(
            Average(scores.Select(s => s.Rouge1)), Average(scores.Select(s => s.Rouge2)),
            Average(scores.Select(s => s.RougeL)), Average(scores.Select(s => s.RougeLsum)));
    }

    public static RougeValue NgramOverlap(IReadOnlyList<string> target, IReadOnlyList<string> prediction, int n)
    {
        var targetNgrams = Ngrams.Count(target, n, n);
        var predictionNgrams = Ngrams.Count(prediction, n, n);
        int matches = 0;
        foreach (var (ngram, count) in targetNgrams) matches += Math.Min(count, predictionNgrams.GetValueOrDefault(ngram));
        return RougeValue.From(matches, predictionNgrams.Values.Sum(), targetNgrams.Values.Sum());
    }

    public static RougeValue LongestCommonSubsequence(IReadOnlyList<string> target, IReadOnlyList<string> prediction)
    {
        if (target.Count == 0 || prediction.Count == 0) return RougeValue.Zero;
        int length = Table(target, prediction)[target.Count, prediction.Count];
        return RougeValue.From(length, prediction.Count, target.Count);
    }

    /// <summary>
    /// Summary-level LCS: for each target sentence, the union of its LCS tokens with every prediction sentence,
    /// each token counted at most as often as it occurs on both sides.
    /// </summary>
    public static RougeValue SummaryLevel(IReadOnlyList<List<string>> target, IReadOnlyList<List<string>> prediction)
    {
        if (target.Count == 0 || prediction.Count == 0) return RougeValue.Zero;
        int targetLength = target.Sum(s => s.Count), predictionLength = prediction.Sum(s => s.Count);
        if (targetLength == 0 || predictionLength == 0) return RougeValue.Zero;
        var targetCounts = CountTokens(target);
        var predictionCounts = CountTokens(prediction);
        int hits = 0;
        foreach (var sentence in target)
        {
            var union = new SortedSet<int>();
            foreach (var candidate in prediction) union.UnionWith(LcsIndices(sentence, candidate));
            foreach (int index in union)
            {
                string token = sentence[index];
                if (predictionCounts.GetValueOrDefault(token) > 0 && targetCounts.GetValueOrDefault(token) > 0)
                {
                    hits++;
                    predictionCounts[token]--;
                    targetCounts[token]--;
                }
            }
        }
        return RougeValue.From(hits, predictionLength, targetLength);
    }

    /// <summary>Indices into <paramref name="reference"/> of one LCS, read back from the table's corner the way rouge-score does.</summary>
    public static List<int> LcsIndices(IReadOnlyList<string> reference, IReadOnlyList<string> candidate)
    {
        var table = Table(reference, candidate);
        var indices = new List<int>();
        int i = reference.Count, j = candidate.Count;
        while (i > 0 && j > 0)
        {
            if (reference[i - 1] == candidate[j - 1])
            {
                indices.Add(i - 1);
                i--;
                j--;
            }
            else if (table[i, j - 1] > table[i - 1, j]) j--;
            else i--;
        }
        indices.Reverse();
        return indices;
    }

    private static int[,] Table(IReadOnlyList<string> reference, IReadOnlyList<string> candidate)
    {
        var table = new int[reference.Count + 1, candidate.Count + 1];
        for (int i = 1; i <= reference.Count; i++)
            for (int j = 1; j <= candidate.Count; j++)
                table[i, j] = reference[i - 1] == candidate[j - 1] ? table[i - 1, j - 1] + 1 : Math.Max(table[i - 1, j], table[i, j - 1]);
        return table;
    }

    private static List<List<string>> Sentences(string text, bool stem) =>
        text.Split('\n').Where(s => s.Length > 0).Select(s => RougeTokenizer.Tokenize(s, stem)).ToList();

    private static Dictionary<string, int> CountTokens(IEnumerable<List<string>> sentences)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var sentence in sentences)
            foreach (string token in sentence) counts[token] = counts.GetValueOrDefault(token) + 1;
        return counts;
    }
}
