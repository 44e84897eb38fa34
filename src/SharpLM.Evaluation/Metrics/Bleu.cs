using SharpLM.Core;

namespace SharpLM.Evaluation.Metrics;

public enum BleuSmoothing { Exp, Floor, AddK, None }

/// <summary>sacreBLEU 2.x's BLEU settings; the defaults are sacreBLEU's.</summary>
public sealed record BleuOptions
{
    public string Tokenize { get; init; } = "13a";
    public bool Lowercase { get; init; }
    public BleuSmoothing Smoothing { get; init; } = BleuSmoothing.Exp;
    /// <summary>Floor value or add-k constant; null takes sacreBLEU's default (0.1 for floor, 1 for add-k).</summary>
    public double? SmoothValue { get; init; }
}

/// <summary>A BLEU score with the statistics it came from, as sacreBLEU reports them.</summary>
public sealed record BleuScore(
    double Score, int[] Counts, int[] Totals, double[] Precisions, double BrevityPenalty,
    int SystemLength, int ReferenceLength, string Signature);

/// <summary>
/// BLEU exactly as sacreBLEU 2.x computes it: word n-grams up to 4 over the tokenized segments, clipped against
/// the per-n-gram maximum over the references, the closest reference length (shorter wins ties) for the brevity
/// penalty, and corpus statistics summed before the geometric mean.
/// </summary>
public sealed class Bleu
{
    public const int MaxOrder = 4;
    private readonly BleuOptions _options;
    private readonly Func<string, string> _tokenizer;

    public Bleu(BleuOptions? options = null)
    {
        _options = options ?? new BleuOptions();
        _tokenizer = BleuTokenizer.ForName(_options.Tokenize);
    }

    /// <summary>Corpus BLEU; <paramref name="references"/> holds one stream per reference, each parallel to the hypotheses.</summary>
    public BleuScore Corpus(IReadOnlyList<string> hypotheses, IReadOnlyList<IReadOnlyList<string>> references, bool effectiveOrder = false)
    {
        ReferenceStreams.Check(hypotheses, references);
        var counts = new int[MaxOrder];
        var totals = new int[MaxOrder];
        int systemLength = 0, referenceLength = 0;
        for (int i = 0; i < hypotheses.Count; i++)
        {
            var segment = SegmentStatistics(hypotheses[i], references.Select(stream => stream[i]));
            systemLength += segment.SystemLength;
            referenceLength += segment.ReferenceLength;
            for (int n = 0; n < MaxOrder; n++)
            {
                counts[n] += segment.Counts[n];
                totals[n] += segment.Totals[n];
            }
        }
        return Compute(counts, totals, systemLength, referenceLength, effectiveOrder, references.Count);
    }

    /// <summary>Sentence BLEU: one segment, always with effective order (sacreBLEU's sentence_bleu).</summary>
    public BleuScore Sentence(string hypothesis, IReadOnlyList<string> references)
    {
        var segment = SegmentStatistics(hypothesis, references);
        return Compute(segment.Counts, segment.Totals, segment.SystemLength, segment.ReferenceLength, effectiveOrder: true, references.Count);
    }

    public string Signature(int references, bool effectiveOrder)
    {
        string smooth = _options.Smoothing switch
        {
            BleuSmoothing.Floor => $"floor[{SmoothValueOrDefault():F2}]",
            BleuSmoothing.AddK => $"add-k[{SmoothValueOrDefault():F2}]",
            BleuSmoothing.None => "none",
            _ => "exp",
        };
        return $"nrefs:{references}|case:{(_options.Lowercase ? "lc" : "mixed")}|eff:{(effectiveOrder ? "yes" : "no")}|tok:{_options.Tokenize}|smooth:{smooth}|version:2.x";
    }

    private double SmoothValueOrDefault() => _options.SmoothValue ?? (_options.Smoothing == BleuSmoothing.AddK ? 1.0 : 0.1);

    private (int[] Counts, int[] Totals, int SystemLength, int ReferenceLength) SegmentStatistics(string hypothesis, IEnumerable<string> references)
    {
        var hypothesisTokens = PythonText.Split(Preprocess(hypothesis));
        var hypothesisNgrams = Ngrams.Count(hypothesisTokens, MaxOrder);
        var referenceMax = new Dictionary<string, int>(StringComparer.Ordinal);
        int closestLength = -1, closestDifference = -1;
        foreach (string reference in references)
        {
            var tokens = PythonText.Split(Preprocess(reference));
            int difference = Math.Abs(hypothesisTokens.Count - tokens.Count);
            if (closestDifference == -1 || difference < closestDifference)
            {
                closestDifference = difference;
                closestLength = tokens.Count;
            }
            else if (difference == closestDifference) closestLength = Math.Min(closestLength, tokens.Count);
            foreach (var (ngram, count) in Ngrams.Count(tokens, MaxOrder))
                if (!referenceMax.TryGetValue(ngram, out int existing) || count > existing) referenceMax[ngram] = count;
        }
        var counts = new int[MaxOrder];
        var totals = new int[MaxOrder];
        for (int n = 0; n < MaxOrder; n++) totals[n] = Math.Max(0, hypothesisTokens.Count - n);
        foreach (var (ngram, count) in hypothesisNgrams)
            if (referenceMax.TryGetValue(ngram, out int inReference))
                counts[Ngrams.Order(ngram) - 1] += Math.Min(count, inReference);
        return (counts, totals, hypothesisTokens.Count, closestLength);
    }

    private string Preprocess(string segment)
    {
        if (_options.Lowercase) segment = segment.ToLowerInvariant();
        return _tokenizer(PythonText.TrimEnd(segment));
    }

    private BleuScore Compute(int[] counts, int[] totals, int systemLength, int referenceLength, bool effectiveOrder, int references)
    {
        double score = Score(counts, totals, systemLength, referenceLength, _options.Smoothing, SmoothValueOrDefault(), effectiveOrder, out var precisions, out double bp);
        return new BleuScore(score, counts, totals, precisions, bp, systemLength, referenceLength, Signature(references, effectiveOrder));
    }

    /// <summary>
    /// BLEU in percent from summed statistics. With effective order the geometric mean stops at the highest order
    /// the hypothesis has any n-grams of; without it a missing order makes the score 0.
    /// </summary>
    public static double Score(
        IReadOnlyList<int> counts, IReadOnlyList<int> totals, int systemLength, int referenceLength, BleuSmoothing smoothing,
        double smoothValue, bool effectiveOrder, out double[] precisions, out double brevityPenalty)
    {
        precisions = new double[MaxOrder];
        brevityPenalty = systemLength < referenceLength ? (systemLength > 0 ? Math.Exp(1 - (double)referenceLength / systemLength) : 0.0) : 1.0;
        if (counts[0] == 0) return 0.0;
        double mtevalSmoothing = 1.0;
        int order = MaxOrder;
        for (int n = 1; n <= MaxOrder; n++)
        {
            double count = counts[n - 1], total = totals[n - 1];
            if (smoothing == BleuSmoothing.AddK && n > 1)
            {
                count += smoothValue;
                total += smoothValue;
            }
            if (total == 0) break;
            if (effectiveOrder) order = n;
            if (count == 0)
            {
                if (smoothing == BleuSmoothing.Exp)
                {
                    mtevalSmoothing *= 2;
                    precisions[n - 1] = 100.0 / (mtevalSmoothing * total);
                }
                else if (smoothing == BleuSmoothing.Floor) precisions[n - 1] = 100.0 * smoothValue / total;
            }
            else precisions[n - 1] = 100.0 * count / total;
        }
        double logSum = 0;
        for (int n = 0; n < order; n++) logSum += precisions[n] == 0 ? -9999999999.0 : Math.Log(precisions[n]);
        return brevityPenalty * Math.Exp(logSum / order);
    }
}
