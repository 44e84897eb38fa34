using SharpLM.Evaluation.Metrics;

namespace SharpLM.Evaluation.Scoring;

/// <summary>
/// lm-eval's corpus-level generation metrics: each document passes its (prediction, reference) pair through, and
/// the aggregation scores the whole corpus with sacreBLEU's defaults (<c>corpus_bleu</c>, <c>corpus_chrf</c>, <c>corpus_ter</c>);
/// the standard error is a bootstrap capped at 100 resamples, as lm-eval caps it.
/// </summary>
public static class CorpusMetric
{
    public static bool Handles(string metric) => metric is "bleu" or "chrf" or "ter";

    public static double Score(string metric, IReadOnlyList<(string Prediction, string Reference)> pairs)
    {
        var predictions = pairs.Select(p => p.Prediction).ToList();
        IReadOnlyList<IReadOnlyList<string>> references = [pairs.Select(p => p.Reference).ToList()];
        return metric switch
        {
            "bleu" => new Bleu().Corpus(predictions, references).Score,
            "chrf" => new ChrF().Corpus(predictions, references).Score,
            _ => new Ter().Corpus(predictions, references).Score,
        };
    }

    public static double? StandardError(string metric, IReadOnlyList<(string Prediction, string Reference)> pairs, int bootstrapIterations, int seed = 1234)
    {
        int iterations = Math.Min(bootstrapIterations, 100);
        if (pairs.Count <= 1 || iterations <= 1) return null;
        var random = new Random(seed);
        var values = new double[iterations];
        for (int b = 0; b < iterations; b++)
            values[b] = Score(metric, Enumerable.Range(0, pairs.Count).Select(_ => pairs[random.Next(pairs.Count)]).ToList());
        double mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));
    }
}
