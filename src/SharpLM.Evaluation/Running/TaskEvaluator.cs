using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SharpLM.Core;
using SharpLM.Evaluation.Scoring;
using SharpLM.Evaluation.Tasks;

namespace SharpLM.Evaluation.Running;

/// <summary>A task's aggregated metrics (keys such as "acc,none" and "acc_stderr,none") and its per-document samples.</summary>
public sealed record TaskResult(
    TaskConfig Task, IReadOnlyDictionary<string, JsonNode?> Metrics, IReadOnlyList<JsonObject> Samples,
    int OriginalDocuments, int EffectiveDocuments, string Hash);

/// <summary>
/// Runs one task on a model the way lm-eval does: builds each document's requests, scores the responses
/// per document, and aggregates each metric under each filter.
/// </summary>
public static partial class TaskEvaluator
{
    /// <param name="concurrency">Documents scored at once (lm-eval's num_concurrent); above 1 the model must be thread-safe, as the endpoint is.</param>
    public static TaskResult Evaluate(TaskConfig task, IEvaluationModel model, int? limit = null, int fewshotSeed = 1234,
        int bootstrapIterations = 100_000, Action<int, int>? progress = null, int concurrency = 1, CancellationToken cancellationToken = default)
    {
        int original = TaskDocuments.Load(task, task.EvaluationSplit).Count;
        var instances = TaskInstances.Build(task, limit, fewshotSeed);
        var perMetric = new Dictionary<string, List<double[]>>(StringComparer.Ordinal);
        var corpusPairs = new Dictionary<string, List<(string Prediction, string Reference)>>(StringComparer.Ordinal);
        var samples = new List<JsonObject>();
        // Responses may arrive out of order; they are aggregated in document order, so results do not depend on concurrency.
        var scored = OrderedParallel.Map(instances, concurrency, instance =>
        {
            // A cancelled run stops between documents; every answer so far is already in the request cache.
            cancellationToken.ThrowIfCancellationRequested();
            return ScoreDocument(task, model, instance).ToList();
        },
            done => progress?.Invoke(done, instances.Count));
        foreach (var document in scored)
        {
            foreach (var (filter, sample, values, pairs) in document)
            {
                foreach (var (metric, prediction, reference) in pairs)
                {
                    string key = $"{metric},{filter}";
                    if (!corpusPairs.TryGetValue(key, out var list)) corpusPairs[key] = list = [];
                    list.Add((prediction, reference));
                }
                foreach (var (metric, value) in values)
                {
                    string key = $"{metric},{filter}";
                    if (!perMetric.TryGetValue(key, out var list)) perMetric[key] = list = [];
                    list.Add(value);
                }
                samples.Add(sample);
            }
        }
        var metrics = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var (key, items) in perMetric)
        {
            string metric = key[..key.IndexOf(',')], filter = key[(key.IndexOf(',') + 1)..];
            string aggregation = task.Metrics.First(m => m.Name == metric).Aggregation;
            metrics[key] = Aggregation.Aggregate(aggregation, items);
            double? error = Aggregation.StandardError(aggregation, items, bootstrapIterations);
            metrics[$"{metric}_stderr,{filter}"] = error is double e ? e : "N/A";
        }
        foreach (var (key, pairs) in corpusPairs)
        {
            string metric = key[..key.IndexOf(',')], filter = key[(key.IndexOf(',') + 1)..];
            metrics[key] = CorpusMetric.Score(metric, pairs);
            double? error = CorpusMetric.StandardError(metric, pairs, bootstrapIterations);
            metrics[$"{metric}_stderr,{filter}"] = error is double e ? e : "N/A";
        }
        return new TaskResult(task, metrics, samples, original, instances.Count, TaskContentHash.Compute(task));
    }

    private static IEnumerable<(string Filter, JsonObject Sample, List<(string Metric, double[] Value)> Values, List<(string Metric, string Prediction, string Reference)> Pairs)> ScoreDocument(
        TaskConfig task, IEvaluationModel model, TaskInstance instance)
    {
        switch (task.OutputType)
        {
            case OutputType.MultipleChoice:
            {
                var choices = instance.Choices!;
                var requests = choices.Select(c => new LoglikelihoodRequest(instance.Context, task.TargetDelimiter + c)).ToList();
                var results = requests.Select(model.Loglikelihood).ToList();
                var gold = GoldIndices(instance);
                var values = new List<(string, double[])>();
                foreach (var metric in task.Metrics)
                {
                    double value = metric.Name switch
                    {
                        "acc" => Hit(Argmax(results.Select(r => r.LogLikelihood)), gold),
                        "acc_norm" => Hit(Argmax(results.Select((r, i) => r.LogLikelihood / choices[i].Length)), gold),
                        "acc_bytes" => Hit(Argmax(results.Select((r, i) => r.LogLikelihood / Encoding.UTF8.GetByteCount(choices[i]))), gold),
                        "exact_match" => results[gold[0]].IsGreedy ? 1 : 0,
                        _ => throw Unsupported(task, metric.Name),
                    };
                    values.Add((metric.Name, [value]));
                }
                yield return ("none", Sample(task, instance, requests, results.Select(r => (JsonNode)new JsonArray(r.LogLikelihood, r.IsGreedy)).ToList(), null, values), values, []);
                break;
            }
            case OutputType.Loglikelihood:
            {
                var request = new LoglikelihoodRequest(instance.Context, task.TargetDelimiter + instance.TargetText);
                var result = model.Loglikelihood(request);
                var values = task.Metrics.Select(m => (m.Name, m.Name switch
                {
                    "perplexity" => new[] { result.LogLikelihood },
                    "acc" => [result.IsGreedy ? 1 : 0],
                    _ => throw Unsupported(task, m.Name),
                })).ToList();
                yield return ("none", Sample(task, instance, [request], [new JsonArray(result.LogLikelihood, result.IsGreedy)], null, values), values, []);
                break;
            }
            case OutputType.LoglikelihoodRolling:
            {
                string text = instance.TargetText;
                double logLikelihood = model.LoglikelihoodRolling(text);
                double words = Whitespace().Split(text).Length, bytes = Encoding.UTF8.GetByteCount(text);
                var values = task.Metrics.Select(m => (m.Name, m.Name switch
                {
                    "word_perplexity" => new[] { logLikelihood, words },
                    "byte_perplexity" or "bits_per_byte" => [logLikelihood, bytes],
                    _ => throw Unsupported(task, m.Name),
                })).ToList();
                var rolling = Sample(task, instance, [new LoglikelihoodRequest(text, "")], [logLikelihood], null, values);
                rolling["arguments"]!["gen_args_0"]!.AsObject().Remove("arg_1"); // a rolling request has the text only
                yield return ("none", rolling, values, []);
                break;
            }
            default:
            {
                var g = task.Generation;
                var request = new GenerationRequest(instance.Context, g.Until, g.MaxGenTokens, g.DoSample, g.Temperature);
                string response = model.Generate(request);
                foreach (var filter in task.Filters)
                {
                    string filtered = ResponseFilter.Apply(filter, [response]).FirstOrDefault() ?? "";
                    var values = new List<(string Metric, double[] Value)>();
                    var pairs = new List<(string Metric, string Prediction, string Reference)>();
                    foreach (var m in task.Metrics)
                    {
                        if (m.Name == "exact_match") values.Add((m.Name, [ExactMatch.Score(filtered, instance.TargetText, ExactMatchOptionsOf(task, m))]));
                        else if (CorpusMetric.Handles(m.Name)) pairs.Add((m.Name, filtered, instance.TargetText));
                        else throw Unsupported(task, m.Name);
                    }
                    var sample = Sample(task, instance, [new LoglikelihoodRequest(instance.Context, "")], [response], (filter.Name, filtered), values);
                    // As in lm-eval, a generation request's second argument is its generation settings.
                    sample["arguments"]!["gen_args_0"]!["arg_1"] = new JsonObject
                    {
                        ["until"] = new JsonArray(g.Until.Select(u => (JsonNode)u).ToArray()),
                        ["max_gen_toks"] = g.MaxGenTokens,
                        ["do_sample"] = g.DoSample,
                        ["temperature"] = g.Temperature,
                    };
                    foreach (var (metric, prediction, reference) in pairs)
                    {
                        sample[metric] = new JsonArray(reference, prediction);
                        sample["metrics"]!.AsArray().Add(metric);
                    }
                    yield return (filter.Name, sample, values, pairs);
                }
                break;
            }
        }
    }

    private static List<int> GoldIndices(TaskInstance instance)
    {
        var choices = instance.Choices!;
        int Index(object? value) => value switch
        {
            long l when l >= 0 && l < choices.Count => (int)l,
            string s when choices.ToList().IndexOf(s) is var i and >= 0 => i,
            _ => throw new SharpLMException($"document {instance.DocId}: target {PythonValue.Repr(value)} is neither a choice nor an index into the {choices.Count} choices."),
        };
        return instance.Target is List<object?> list ? list.Select(Index).ToList() : [Index(instance.Target)];
    }

    /// <summary>The first index of the maximum, as numpy's argmax.</summary>
    private static int Argmax(IEnumerable<double> values)
    {
        int best = -1, index = 0;
        double max = double.NegativeInfinity;
        foreach (double value in values)
        {
            if (best < 0 || value > max)
            {
                max = value;
                best = index;
            }
            index++;
        }
        return best;
    }

    private static double Hit(int prediction, List<int> gold) => gold.Contains(prediction) ? 1 : 0;

    private static ExactMatchOptions ExactMatchOptionsOf(TaskConfig task, MetricConfig metric)
    {
        bool Flag(string key) => metric.Options.GetValueOrDefault(key) is string s && s is "true" or "True";
        var regexes = metric.Options.GetValueOrDefault("regexes_to_ignore") switch
        {
            null => [],
            List<object?> list => list.Select(x => x as string ?? "").ToList(),
            string s => [s],
            _ => throw new SharpLMException($"{task.SourcePath}: metric exact_match: regexes_to_ignore must be a list of patterns."),
        };
        foreach (string key in metric.Options.Keys)
            if (key is not ("ignore_case" or "ignore_punctuation" or "ignore_numbers" or "regexes_to_ignore"))
                throw new SharpLMException($"{task.SourcePath}: metric exact_match: option '{key}' is not supported.");
        return new ExactMatchOptions(regexes, Flag("ignore_case"), Flag("ignore_punctuation"), Flag("ignore_numbers"));
    }

    private static SharpLMException Unsupported(TaskConfig task, string metric) =>
        new($"{task.SourcePath}: metric '{metric}' is not supported for output_type {task.Raw.GetValueOrDefault("output_type") ?? "generate_until"}.");

    private static JsonObject Sample(TaskConfig task, TaskInstance instance, IReadOnlyList<LoglikelihoodRequest> requests,
        IReadOnlyList<JsonNode?> responses, (string Name, string Value)? filtered, List<(string Metric, double[] Value)> values)
    {
        var arguments = new JsonObject();
        for (int i = 0; i < requests.Count; i++)
            arguments[$"gen_args_{i}"] = new JsonObject { ["arg_0"] = requests[i].Context, ["arg_1"] = requests[i].Continuation };
        var sample = new JsonObject
        {
            ["doc_id"] = instance.DocId,
            ["doc"] = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(instance.Document)),
            ["target"] = System.Text.Json.JsonSerializer.SerializeToNode(instance.Target),
            ["arguments"] = arguments,
            ["resps"] = new JsonArray(responses.Select(r => (JsonNode?)new JsonArray(r?.DeepClone())).ToArray()),
            ["filtered_resps"] = filtered is { } f ? new JsonArray(f.Value) : new JsonArray(responses.Select(r => r?.DeepClone()).ToArray()),
            ["filter"] = filtered?.Name ?? "none",
            ["metrics"] = new JsonArray(values.Select(v => (JsonNode)v.Metric).ToArray()),
            ["doc_hash"] = PythonJson.Sha256(PythonJson.DumpIndented(instance.Document)),
            ["prompt_hash"] = PythonJson.Sha256(requests[0].Context),
            ["target_hash"] = PythonJson.Sha256(PythonValue.Str(instance.Target)),
        };
        foreach (var (metric, value) in values) sample[metric] = value.Length == 1 ? value[0] : new JsonArray(value.Select(v => (JsonNode)v).ToArray());
        return sample;
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
