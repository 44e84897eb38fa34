using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SharpLM.Core.IO;
using SharpLM.Evaluation.Running;

namespace SharpLM.Safety.Bias;

public sealed record BiasOptions
{
    /// <summary>Bootstrap resamples of the templates; 0 skips the intervals.</summary>
    public int Resamples { get; init; } = 1000;

    public int Seed { get; init; }

    /// <summary>With a lexicon, one continuation per filled template is sampled and scored for sentiment.</summary>
    public AfinnSentiment? Sentiment { get; init; }

    public int MaxTokens { get; init; } = 24;
}

/// <summary>One axis: per-group means and the disparities between groups, each with its bootstrap interval.</summary>
public sealed record AxisResult(string Axis, IReadOnlyList<string> Groups, double[] MeanLogProbability, Estimate LogProbabilityGap,
    double[]? MeanSentiment, double[]? PositiveRate, Estimate? SentimentGap, Estimate? ParityDifference, Estimate? ParityRatio);

/// <summary>One filled template and what the model did with it.</summary>
public sealed record BiasSample(string Axis, string Group, string Template, string Context, string Continuation, double LogProbability, string? Sampled, int? Sentiment);

/// <summary>
/// The counterfactual bias probe: every template filled with every group term, scored by the log-probability the model
/// gives the same continuation (through any <see cref="IEvaluationModel"/>: the engine in-process, or an endpoint's
/// completions with echo and logprobs) and, with a lexicon, by the AFINN sentiment of a sampled continuation. A model
/// without bias gives every group the same scores; the gaps say how far it is from that.
/// </summary>
public static class BiasProbe
{
    public const string ResultsFile = "bias.json", SamplesFile = "bias-samples.jsonl", CardFile = "bias-card.md";

    public static (IReadOnlyList<AxisResult> Axes, IReadOnlyList<BiasSample> Samples) Run(IEvaluationModel model, BiasSuite suite, BiasOptions options,
        Action<int, int>? progress = null)
    {
        int total = suite.Axes.Sum(a => a.Value.Count) * suite.Templates.Count, done = 0;
        var samples = new List<BiasSample>();
        var results = new List<AxisResult>();
        foreach (var (axis, groups) in suite.Axes)
        {
            var logProbabilities = new double[suite.Templates.Count][];
            var sentiments = new double[suite.Templates.Count][];
            var positive = new double[suite.Templates.Count][];
            for (int t = 0; t < suite.Templates.Count; t++)
            {
                var template = suite.Templates[t];
                logProbabilities[t] = new double[groups.Count];
                sentiments[t] = new double[groups.Count];
                positive[t] = new double[groups.Count];
                for (int g = 0; g < groups.Count; g++)
                {
                    string context = template.Context.Replace("{group}", groups[g]);
                    double logProbability = model.Loglikelihood(new LoglikelihoodRequest(context, template.Continuation)).LogLikelihood;
                    string? sampled = null;
                    int? sentiment = null;
                    if (options.Sentiment is { } lexicon)
                    {
                        sampled = model.Generate(new GenerationRequest(context, ["\n"], options.MaxTokens, DoSample: true, Temperature: 1.0));
                        sentiment = lexicon.Score(sampled);
                        sentiments[t][g] = sentiment.Value;
                        positive[t][g] = sentiment > 0 ? 1 : 0;
                    }
                    logProbabilities[t][g] = logProbability;
                    samples.Add(new BiasSample(axis, groups[g], template.Id, context, template.Continuation, logProbability, sampled, sentiment));
                    progress?.Invoke(++done, total);
                }
            }
            Estimate Boot(Func<double[][], double> statistic) => GroupMetrics.Bootstrap(positive, statistic, options.Resamples, options.Seed);
            bool scored = options.Sentiment is not null;
            results.Add(new AxisResult(axis, groups, GroupMetrics.Means(logProbabilities),
                GroupMetrics.Bootstrap(logProbabilities, GroupMetrics.Difference, options.Resamples, options.Seed),
                scored ? GroupMetrics.Means(sentiments) : null, scored ? GroupMetrics.Means(positive) : null,
                scored ? GroupMetrics.Bootstrap(sentiments, GroupMetrics.Difference, options.Resamples, options.Seed) : null,
                scored ? Boot(GroupMetrics.Difference) : null, scored ? Boot(GroupMetrics.Ratio) : null));
        }
        return (results, samples);
    }

    /// <summary>bias.json (per axis: groups, means, gaps and intervals), bias-samples.jsonl (every filled template) and bias-card.md.</summary>
    public static void Write(string directory, string target, IReadOnlyList<AxisResult> axes, IReadOnlyList<BiasSample> samples, BiasOptions options)
    {
        Directory.CreateDirectory(directory);
        static JsonNode? Number(double value) => double.IsFinite(value) ? JsonValue.Create(value) : null;
        static JsonObject? Interval(Estimate? e) => e is null ? null : new JsonObject { ["value"] = Number(e.Value), ["ci95"] = new JsonArray(Number(e.Lower), Number(e.Upper)) };
        static JsonObject PerGroup(IReadOnlyList<string> groups, double[] values) => new(groups.Select((g, i) => KeyValuePair.Create(g, Number(values[i]))));
        var root = new JsonObject { ["target"] = target, ["bootstrap_resamples"] = options.Resamples, ["seed"] = options.Seed, ["axes"] = new JsonObject() };
        foreach (var a in axes)
        {
            var node = new JsonObject
            {
                ["mean_log_probability"] = PerGroup(a.Groups, a.MeanLogProbability), ["log_probability_gap"] = Interval(a.LogProbabilityGap),
            };
            if (a.MeanSentiment is not null)
            {
                node["mean_sentiment"] = PerGroup(a.Groups, a.MeanSentiment);
                node["positive_rate"] = PerGroup(a.Groups, a.PositiveRate!);
                node["sentiment_gap"] = Interval(a.SentimentGap);
                node["demographic_parity_difference"] = Interval(a.ParityDifference);
                node["demographic_parity_ratio"] = Interval(a.ParityRatio);
            }
            root["axes"]![a.Axis] = node;
        }
        AtomicFile.WriteAllText(Path.Combine(directory, ResultsFile), root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        var lines = new StringBuilder();
        var json = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
        foreach (var sample in samples) lines.Append(JsonSerializer.Serialize(sample, json)).Append('\n');
        AtomicFile.WriteAllText(Path.Combine(directory, SamplesFile), lines.ToString());
        AtomicFile.WriteAllText(Path.Combine(directory, CardFile), Card(target, axes));
    }

    private static string Card(string target, IReadOnlyList<AxisResult> axes)
    {
        static string F(double v) => double.IsFinite(v) ? v.ToString("F3", System.Globalization.CultureInfo.InvariantCulture) : "–";
        static string I(Estimate? e) => e is null ? "–" : $"{F(e.Value)} [{F(e.Lower)}, {F(e.Upper)}]";
        var md = new StringBuilder($"# Bias probe: {target}\n\nCounterfactual templates; gaps are largest minus smallest group mean, with percentile bootstrap 95% intervals over templates.\n\n");
        md.Append("| axis | log-probability gap (nats) | sentiment gap | demographic parity difference | demographic parity ratio |\n|---|---|---|---|---|\n");
        foreach (var a in axes) md.Append($"| {a.Axis} | {I(a.LogProbabilityGap)} | {I(a.SentimentGap)} | {I(a.ParityDifference)} | {I(a.ParityRatio)} |\n");
        foreach (var a in axes)
        {
            md.Append($"\n## {a.Axis}\n\n| group | mean log-probability | mean sentiment | positive rate |\n|---|---|---|---|\n");
            for (int g = 0; g < a.Groups.Count; g++)
                md.Append($"| {a.Groups[g]} | {F(a.MeanLogProbability[g])} | {(a.MeanSentiment is null ? "–" : F(a.MeanSentiment[g]))} | {(a.PositiveRate is null ? "–" : F(a.PositiveRate[g]))} |\n");
        }
        return md.ToString();
    }
}
