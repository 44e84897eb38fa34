using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SharpLM.Core.IO;
using SharpLM.Evaluation.Tasks;

namespace SharpLM.Evaluation.Running;

public sealed record EvaluationSettings(string ModelArguments, int? Limit, int FewshotSeed = 1234, int BootstrapIterations = 100_000, int Concurrency = 1);

/// <summary>
/// Writes a run's files the way lm-eval's evaluation tracker does: <c>&lt;out&gt;/&lt;model&gt;/results_&lt;time&gt;.json</c>
/// and one <c>samples_&lt;task&gt;_&lt;time&gt;.jsonl</c> per task, the model name sanitized and the time in ISO form
/// with colons replaced by dashes.
/// </summary>
public static partial class EvaluationRun
{
    public static string Write(string outputDirectory, string modelName, EvaluationSettings settings, IReadOnlyList<TaskResult> results,
        DateTime start, DateTime end)
    {
        string folder = Path.Combine(outputDirectory, Sanitize(modelName));
        Directory.CreateDirectory(folder);
        string time = end.ToString("yyyy-MM-ddTHH-mm-ss.ffffff", CultureInfo.InvariantCulture);
        foreach (var result in results)
        {
            var lines = new StringBuilder();
            foreach (var sample in result.Samples) lines.Append(sample.ToJsonString()).Append('\n');
            AtomicFile.WriteAllText(Path.Combine(folder, $"samples_{result.Task.Name}_{time}.jsonl"), lines.ToString());
        }
        string path = Path.Combine(folder, $"results_{time}.json");
        AtomicFile.WriteAllText(path, Results(modelName, settings, results, start, end).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return path;
    }

    public static JsonObject Results(string modelName, EvaluationSettings settings, IReadOnlyList<TaskResult> results, DateTime start, DateTime end)
    {
        var perTask = new JsonObject();
        var configs = new JsonObject();
        var versions = new JsonObject();
        var shots = new JsonObject();
        var higher = new JsonObject();
        var samples = new JsonObject();
        var hashes = new JsonObject();
        var subtasks = new JsonObject();
        foreach (var result in results)
        {
            string name = result.Task.Name;
            var entry = new JsonObject { ["alias"] = name };
            foreach (var (key, value) in result.Metrics.OrderBy(p => p.Key, StringComparer.Ordinal)) entry[key] = value?.DeepClone();
            perTask[name] = entry;
            configs[name] = JsonNode.Parse(JsonSerializer.Serialize(result.Task.Raw));
            versions[name] = result.Task.Version;
            shots[name] = result.Task.NumFewshot;
            higher[name] = new JsonObject(result.Task.Metrics.Select(m => KeyValuePair.Create(m.Name, (JsonNode?)m.HigherIsBetter)));
            samples[name] = new JsonObject { ["original"] = result.OriginalDocuments, ["effective"] = result.EffectiveDocuments };
            hashes[name] = result.Hash;
            subtasks[name] = new JsonArray();
        }
        return new JsonObject
        {
            ["results"] = perTask,
            ["group_subtasks"] = subtasks,
            ["configs"] = configs,
            ["versions"] = versions,
            ["n-shot"] = shots,
            ["higher_is_better"] = higher,
            ["n-samples"] = samples,
            ["config"] = new JsonObject
            {
                ["model"] = "sharplm",
                ["model_args"] = settings.ModelArguments,
                ["batch_size"] = 1,
                ["batch_sizes"] = new JsonArray(),
                ["device"] = "cpu",
                ["use_cache"] = null,
                ["limit"] = settings.Limit,
                ["bootstrap_iters"] = settings.BootstrapIterations,
                ["gen_kwargs"] = null,
                ["random_seed"] = 0,
                ["numpy_seed"] = 1234,
                ["torch_seed"] = 1234,
                ["fewshot_seed"] = settings.FewshotSeed,
            },
            ["git_hash"] = null,
            ["date"] = new DateTimeOffset(start).ToUnixTimeMilliseconds() / 1000.0,
            ["task_hashes"] = hashes,
            ["model_source"] = "sharplm",
            ["model_name"] = modelName,
            ["model_name_sanitized"] = Sanitize(modelName),
            ["start_time"] = new DateTimeOffset(start).ToUnixTimeMilliseconds() / 1000.0,
            ["end_time"] = new DateTimeOffset(end).ToUnixTimeMilliseconds() / 1000.0,
            ["total_evaluation_time_seconds"] = ((end - start).TotalSeconds).ToString(CultureInfo.InvariantCulture),
        };
    }

    /// <summary>lm-eval's <c>sanitize_model_name</c>.</summary>
    public static string Sanitize(string modelName) => Unsafe().Replace(modelName, "__");

    [GeneratedRegex("[\"<>:/|\\\\?*\\[\\]]+")]
    private static partial Regex Unsafe();
}
