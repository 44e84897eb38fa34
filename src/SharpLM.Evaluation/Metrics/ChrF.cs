using System.Text;

namespace SharpLM.Evaluation.Metrics;

/// <summary>sacreBLEU 2.x's chrF settings; the defaults are sacreBLEU's (chrF2, 6 character orders, no words).</summary>
public sealed record ChrFOptions
{
    public int CharOrder { get; init; } = 6;
    /// <summary>Word n-gram orders; 2 gives chrF++.</summary>
    public int WordOrder { get; init; }
    public double Beta { get; init; } = 2;
    public bool Lowercase { get; init; }
    public bool KeepWhitespace { get; init; }
    /// <summary>chrF++.py/NLTK smoothing (every order counts, an empty one as ε) instead of sacreBLEU's effective order.</summary>
    public bool EpsilonSmoothing { get; init; }
}

public sealed record ChrFScore(double Score, string Signature);

/// <summary>
/// chrF exactly as sacreBLEU 2.x computes it: character n-gram (and optionally word n-gram) precision and recall
/// per order, statistics summed over the corpus, each segment scored against the reference that gives it the best
/// sentence-level F; without ε smoothing the precisions and recalls are averaged over the orders both sides have.
/// </summary>
public sealed class ChrF
{
    private const double Epsilon = 1e-16;
    private readonly ChrFOptions _options;

    public ChrF(ChrFOptions? options = null) => _options = options ?? new ChrFOptions();

    private int Orders => _options.CharOrder + _options.WordOrder;

    public ChrFScore Corpus(IReadOnlyList<string> hypotheses, IReadOnlyList<IReadOnlyList<string>> references)
    {
        ReferenceStreams.Check(hypotheses, references);
        var totals = new long[3 * Orders];
        for (int i = 0; i < hypotheses.Count; i++)
        {
            var best = BestStatistics(hypotheses[i], references.Select(stream => stream[i]));
            for (int k = 0; k < totals.Length; k++) totals[k] += best[k];
        }
        return new ChrFScore(FScore(totals), Signature(references.Count));
    }

    public ChrFScore Sentence(string hypothesis, IReadOnlyList<string> references) =>
        new(FScore(BestStatistics(hypothesis, references)), Signature(references.Count));

    public string Signature(int references) =>
        $"nrefs:{references}|case:{(_options.Lowercase ? "lc" : "mixed")}|eff:{(_options.EpsilonSmoothing ? "no" : "yes")}" +
        $"|nc:{_options.CharOrder}|nw:{_options.WordOrder}|space:{(_options.KeepWhitespace ? "yes" : "no")}|version:2.x";

    private long[] BestStatistics(string hypothesis, IEnumerable<string> references)
    {
        var hypothesisNgrams = Extract(hypothesis);
        long[]? best = null;
        double bestF = -1;
        foreach (string reference in references)
        {
            var statistics = Match(hypothesisNgrams, Extract(reference));
            double f = FScore(statistics);
            if (f > bestF)
            {
                bestF = f;
                best = statistics;
            }
        }
        return best!;
    }

    /// <summary>One n-gram count table per order: characters first, then words.</summary>
    private List<Dictionary<string, int>> Extract(string segment)
    {
        if (_options.Lowercase) segment = segment.ToLowerInvariant();
        var tables = new List<Dictionary<string, int>>();
        string characters = _options.KeepWhitespace ? segment : string.Concat(PythonText.Split(segment));
        var runes = characters.EnumerateRunes().Select(r => r.ToString()).ToList();
        for (int n = 1; n <= _options.CharOrder; n++)
        {
            var table = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i + n <= runes.Count; i++)
            {
                string key = string.Concat(runes.Skip(i).Take(n));
                table[key] = table.GetValueOrDefault(key) + 1;
            }
            tables.Add(table);
        }
        if (_options.WordOrder > 0)
        {
            var words = ChrFWords.Split(segment);
            for (int n = 1; n <= _options.WordOrder; n++)
            {
                var table = new Dictionary<string, int>(StringComparer.Ordinal);
                foreach (var (key, count) in Ngrams.Count(words, n, n)) table[key] = count;
                tables.Add(table);
            }
        }
        return tables;
    }

    /// <summary>Per order: hypothesis n-grams, reference n-grams, clipped matches.</summary>
    private static long[] Match(List<Dictionary<string, int>> hypothesis, List<Dictionary<string, int>> reference)
    {
        var statistics = new long[3 * hypothesis.Count];
        for (int order = 0; order < hypothesis.Count; order++)
        {
            long matches = 0;
            foreach (var (ngram, count) in hypothesis[order])
                if (reference[order].TryGetValue(ngram, out int inReference)) matches += Math.Min(count, inReference);
            statistics[3 * order] = hypothesis[order].Values.Sum();
            statistics[3 * order + 1] = reference[order].Values.Sum();
            statistics[3 * order + 2] = matches;
        }
        return statistics;
    }

    private double FScore(IReadOnlyList<long> statistics)
    {
        double factor = _options.Beta * _options.Beta;
        double score = 0, averagePrecision = 0, averageRecall = 0;
        int effectiveOrder = 0;
        for (int order = 0; order < Orders; order++)
        {
            long hypothesisCount = statistics[3 * order], referenceCount = statistics[3 * order + 1], matches = statistics[3 * order + 2];
            double precision = hypothesisCount > 0 ? (double)matches / hypothesisCount : Epsilon;
            double recall = referenceCount > 0 ? (double)matches / referenceCount : Epsilon;
            double denominator = factor * precision + recall;
            score += denominator > 0 ? (1 + factor) * precision * recall / denominator : Epsilon;
            if (hypothesisCount > 0 && referenceCount > 0) effectiveOrder++;
            averagePrecision += precision;
            averageRecall += recall;
        }
        if (_options.EpsilonSmoothing) return 100 * score / Orders;
        if (effectiveOrder == 0) return 0;
        averagePrecision /= effectiveOrder;
        averageRecall /= effectiveOrder;
        if (averagePrecision + averageRecall == 0) return 0;
        return 100 * (1 + factor) * averagePrecision * averageRecall / (factor * averagePrecision + averageRecall);
    }
}

/// <summary>
/// chrF++'s word split: whitespace tokens, with one leading or trailing punctuation character split off
/// (a lone punctuation character and tokens longer than one character on both counts follow sacreBLEU).
/// </summary>
internal static class ChrFWords
{
    private const string Punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

    public static List<string> Split(string segment)
    {
        var words = new List<string>();
        foreach (string token in PythonText.Split(segment))
        {
            if (token.Length == 1) words.Add(token);
            else if (Punctuation.Contains(token[^1]))
            {
                words.Add(token[..^1]);
                words.Add(token[^1..]);
            }
            else if (Punctuation.Contains(token[0]))
            {
                words.Add(token[..1]);
                words.Add(token[1..]);
            }
            else words.Add(token);
        }
        return words;
    }
}
