using System.Text.Json.Nodes;
using SharpLM.Core;

namespace SharpLM.Evaluation.Metrics;

/// <summary>What <c>sharplm eval metric</c> computes: one metric over parallel hypothesis and reference streams.</summary>
public sealed record TextMetricRequest
{
    public required string Metric { get; init; }
    public required IReadOnlyList<string> Predictions { get; init; }
    public required IReadOnlyList<IReadOnlyList<string>> References { get; init; }
    public bool Sentence { get; init; }
    public bool Lowercase { get; init; }
    /// <summary>BLEU's tokenizer; null takes 13a.</summary>
    public string? Tokenize { get; init; }
    public bool Stem { get; init; }
    /// <summary>chrF word n-gram order; 2 gives chrF++.</summary>
    public int WordOrder { get; init; }
}

/// <summary>
/// Scores a <see cref="TextMetricRequest"/> into JSON objects: one for the corpus, or one per segment in order
/// with <see cref="TextMetricRequest.Sentence"/>. Field names follow sacreBLEU and rouge-score.
/// </summary>
public static class TextMetricReport
{
    public static readonly IReadOnlyList<string> Metrics = ["bleu", "chrf", "ter", "rouge"];

    public static IEnumerable<JsonObject> Run(TextMetricRequest request)
    {
        Check(request);
        ReferenceStreams.Check(request.Predictions, request.References);
        return request.Metric switch
        {
            "bleu" => RunBleu(request),
            "chrf" => RunChrF(request),
            "ter" => RunTer(request),
            _ => RunRouge(request),
        };
    }

    private static void Check(TextMetricRequest request)
    {
        if (!Metrics.Contains(request.Metric))
            throw new SharpLMException($"Unknown metric '{request.Metric}' (expected one of {string.Join(", ", Metrics)}).");
        if (request.Tokenize is not null && request.Metric != "bleu")
            throw new SharpLMException($"Option --tokenize applies to bleu only, not {request.Metric}.");
        if (request.Stem && request.Metric != "rouge")
            throw new SharpLMException($"Option --stemmer applies to rouge only, not {request.Metric}.");
        if (request.WordOrder != 0 && request.Metric != "chrf")
            throw new SharpLMException($"Option --word-order applies to chrf only, not {request.Metric}.");
        if (request.WordOrder is < 0 or > 2)
            throw new SharpLMException($"Option --word-order must be 0 (chrF) or 1 to 2 (chrF++), got {request.WordOrder}.");
        if (request.Lowercase && request.Metric is "rouge" or "ter")
            throw new SharpLMException($"Option --lowercase does not apply to {request.Metric}, which always lowercases.");
    }

    private static IReadOnlyList<string> ReferencesOf(TextMetricRequest request, int segment) =>
        request.References.Select(stream => stream[segment]).ToList();

    private static IEnumerable<JsonObject> RunBleu(TextMetricRequest request)
    {
        var bleu = new Bleu(new BleuOptions { Tokenize = request.Tokenize ?? "13a", Lowercase = request.Lowercase });
        if (!request.Sentence) return [BleuJson(bleu.Corpus(request.Predictions, request.References))];
        return request.Predictions.Select((p, i) => BleuJson(bleu.Sentence(p, ReferencesOf(request, i))));
    }

    private static JsonObject BleuJson(BleuScore score) => new()
    {
        ["metric"] = "bleu",
        ["score"] = score.Score,
        ["counts"] = new JsonArray(score.Counts.Select(c => (JsonNode)c).ToArray()),
        ["totals"] = new JsonArray(score.Totals.Select(t => (JsonNode)t).ToArray()),
        ["precisions"] = new JsonArray(score.Precisions.Select(p => (JsonNode)p).ToArray()),
        ["bp"] = score.BrevityPenalty,
        ["sys_len"] = score.SystemLength,
        ["ref_len"] = score.ReferenceLength,
        ["signature"] = score.Signature,
    };

    private static IEnumerable<JsonObject> RunChrF(TextMetricRequest request)
    {
        var chrf = new ChrF(new ChrFOptions { Lowercase = request.Lowercase, WordOrder = request.WordOrder });
        string name = request.WordOrder > 0 ? "chrf++" : "chrf";
        var scores = request.Sentence
            ? request.Predictions.Select((p, i) => chrf.Sentence(p, ReferencesOf(request, i)))
            : [chrf.Corpus(request.Predictions, request.References)];
        return scores.Select(s => new JsonObject { ["metric"] = name, ["score"] = s.Score, ["signature"] = s.Signature });
    }

    private static IEnumerable<JsonObject> RunTer(TextMetricRequest request)
    {
        var ter = new Ter();
        var scores = request.Sentence
            ? request.Predictions.Select((p, i) => ter.Sentence(p, ReferencesOf(request, i)))
            : [ter.Corpus(request.Predictions, request.References)];
        return scores.Select(s => new JsonObject
        {
            ["metric"] = "ter", ["score"] = s.Score, ["num_edits"] = s.Edits, ["ref_length"] = s.ReferenceLength, ["signature"] = s.Signature,
        });
    }

    private static IEnumerable<JsonObject> RunRouge(TextMetricRequest request)
    {
        var scores = request.Predictions.Select((p, i) => Rouge.ScoreMulti(ReferencesOf(request, i), p, request.Stem)).ToList();
        if (request.Sentence) return scores.Select(s => RougeJson(s, null));
        return [RougeJson(Rouge.Mean(scores), scores.Count)];
    }

    private static JsonObject RougeJson(RougeScore score, int? segments)
    {
        static JsonObject Value(RougeValue v) => new() { ["precision"] = v.Precision, ["recall"] = v.Recall, ["fmeasure"] = v.FMeasure };
        var json = new JsonObject
        {
            ["metric"] = "rouge",
            ["rouge1"] = Value(score.Rouge1),
            ["rouge2"] = Value(score.Rouge2),
            ["rougeL"] = Value(score.RougeL),
            ["rougeLsum"] = Value(score.RougeLsum),
        };
        if (segments is int n) json["segments"] = n;
        return json;
    }
}
