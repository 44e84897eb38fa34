using System.Globalization;
using SharpLM.Core;

namespace SharpLM.Evaluation.Tasks;

public enum OutputType { Loglikelihood, MultipleChoice, LoglikelihoodRolling, GenerateUntil }

public sealed record MetricConfig(string Name, string Aggregation, bool HigherIsBetter, IReadOnlyDictionary<string, object?> Options);

public sealed record FilterStep(string Function, string? Pattern, int GroupSelect, string Fallback);

public sealed record FilterConfig(string Name, IReadOnlyList<FilterStep> Steps);

public sealed record GenerationConfig(IReadOnlyList<string> Until, int MaxGenTokens, bool DoSample, double Temperature);

/// <summary>
/// An lm-eval task file in the subset SharpLM supports. Every key outside the subset is refused naming the file
/// and the key, so that a task never runs differently from how lm-eval would run it.
/// </summary>
public sealed class TaskConfig
{
    public static readonly IReadOnlySet<string> SupportedKeys = new HashSet<string>(StringComparer.Ordinal)
    {
        "task", "task_alias", "tag", "group", "dataset_path", "dataset_name", "dataset_kwargs", "training_split",
        "validation_split", "test_split", "fewshot_split", "description", "doc_to_text", "doc_to_target", "doc_to_choice",
        "target_delimiter", "fewshot_delimiter", "num_fewshot", "fewshot_config", "output_type", "generation_kwargs",
        "metric_list", "filter_list", "metadata", "repeats", "should_decontaminate", "doc_to_decontamination_query",
    };

    public required string SourcePath { get; init; }
    public required string Name { get; init; }
    public required IReadOnlyDictionary<string, object?> Raw { get; init; }
    public required OutputType OutputType { get; init; }
    /// <summary>Split name → local JSON or JSON Lines file.</summary>
    public required IReadOnlyDictionary<string, string> DataFiles { get; init; }
    public string? TrainingSplit { get; init; }
    public string? ValidationSplit { get; init; }
    public string? TestSplit { get; init; }
    public string? FewshotSplit { get; init; }
    public string Description { get; init; } = "";
    public required DocumentTemplate DocToText { get; init; }
    public required DocumentTemplate DocToTarget { get; init; }
    public DocumentTemplate? DocToChoice { get; init; }
    public string TargetDelimiter { get; init; } = " ";
    public string FewshotDelimiter { get; init; } = "\n\n";
    public int NumFewshot { get; init; }
    public string FewshotSampler { get; init; } = "default";
    public required GenerationConfig Generation { get; init; }
    public required IReadOnlyList<MetricConfig> Metrics { get; init; }
    public required IReadOnlyList<FilterConfig> Filters { get; init; }
    public double? Version { get; init; }

    /// <summary>The split whose documents are evaluated: test, else validation (as lm-eval chooses).</summary>
    public string EvaluationSplit => TestSplit ?? ValidationSplit
        ?? throw new SharpLMException($"{SourcePath}: the task names neither test_split nor validation_split.");

    public static TaskConfig Load(string path)
    {
        var raw = TaskYaml.Load(path);
        string full = Path.GetFullPath(path);
        var reader = new FieldReader(full, raw);
        foreach (string key in raw.Keys)
            if (!SupportedKeys.Contains(key))
                throw new SharpLMException($"{full}: key '{key}' is not supported by SharpLM's lm-eval task subset (see docs/evaluation.md).");
        if (raw.ContainsKey("group") && !raw.ContainsKey("task"))
            throw new SharpLMException($"{full}: group files are not supported yet; pass each task's own file.");
        var outputType = reader.String("output_type", "generate_until") switch
        {
            "loglikelihood" => OutputType.Loglikelihood,
            "multiple_choice" => OutputType.MultipleChoice,
            "loglikelihood_rolling" => OutputType.LoglikelihoodRolling,
            "generate_until" => OutputType.GenerateUntil,
            var other => throw new SharpLMException($"{full}: output_type '{other}' is not one of loglikelihood, multiple_choice, loglikelihood_rolling, generate_until."),
        };
        if (outputType == OutputType.MultipleChoice && !raw.ContainsKey("doc_to_choice"))
            throw new SharpLMException($"{full}: output_type multiple_choice needs doc_to_choice.");
        if (reader.Int("repeats", 1) != 1)
            throw new SharpLMException($"{full}: repeats other than 1 is not supported yet.");
        var fewshot = reader.Map("fewshot_config");
        string sampler = fewshot?.GetValueOrDefault("sampler") as string ?? "default";
        if (sampler is not ("default" or "first_n"))
            throw new SharpLMException($"{full}: fewshot_config sampler '{sampler}' is not supported (default or first_n).");
        foreach (string key in fewshot?.Keys ?? Enumerable.Empty<string>())
            if (key != "sampler") throw new SharpLMException($"{full}: fewshot_config key '{key}' is not supported.");
        return new TaskConfig
        {
            SourcePath = full,
            Name = reader.String("task", null) ?? throw new SharpLMException($"{full}: the task has no task: name."),
            Raw = raw,
            OutputType = outputType,
            DataFiles = DataFilesOf(reader, full),
            TrainingSplit = reader.String("training_split", null),
            ValidationSplit = reader.String("validation_split", null),
            TestSplit = reader.String("test_split", null),
            FewshotSplit = reader.String("fewshot_split", null),
            Description = reader.String("description", "") ?? "",
            DocToText = reader.Template("doc_to_text") ?? throw new SharpLMException($"{full}: the task has no doc_to_text."),
            DocToTarget = reader.Template("doc_to_target") ?? throw new SharpLMException($"{full}: the task has no doc_to_target."),
            DocToChoice = reader.Template("doc_to_choice"),
            TargetDelimiter = reader.String("target_delimiter", " ")!,
            FewshotDelimiter = reader.String("fewshot_delimiter", "\n\n")!,
            NumFewshot = reader.Int("num_fewshot", 0),
            FewshotSampler = sampler,
            Generation = GenerationOf(reader, full),
            Metrics = MetricsOf(reader, full, outputType),
            Filters = FiltersOf(reader, full),
            Version = reader.Map("metadata")?.GetValueOrDefault("version") is string v && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? d : null,
        };
    }

    private static IReadOnlyDictionary<string, string> DataFilesOf(FieldReader reader, string path)
    {
        string datasetPath = reader.String("dataset_path", null) ?? throw new SharpLMException($"{path}: the task has no dataset_path.");
        if (datasetPath != "json")
            throw new SharpLMException(
                $"{path}: dataset_path '{datasetPath}' is a Hugging Face hub data set, which SharpLM does not download; use dataset_path: json with dataset_kwargs: data_files: pointing at local files.");
        var files = reader.Map("dataset_kwargs")?.GetValueOrDefault("data_files") as Dictionary<string, object?>
            ?? throw new SharpLMException($"{path}: dataset_path: json needs dataset_kwargs: data_files: with one file per split.");
        string directory = Path.GetDirectoryName(path)!;
        return files.ToDictionary(p => p.Key, p => Path.GetFullPath(p.Value as string
            ?? throw new SharpLMException($"{path}: data_files: {p.Key} must name one file."), directory));
    }

    private static GenerationConfig GenerationOf(FieldReader reader, string path)
    {
        var map = reader.Map("generation_kwargs") ?? new Dictionary<string, object?>();
        foreach (string key in map.Keys)
            if (key is not ("until" or "max_gen_toks" or "do_sample" or "temperature"))
                throw new SharpLMException($"{path}: generation_kwargs key '{key}' is not supported (until, max_gen_toks, do_sample, temperature).");
        var until = map.GetValueOrDefault("until") switch
        {
            null => [],
            string s => [s],
            List<object?> list => list.Select(x => x as string ?? "").ToList(),
            _ => throw new SharpLMException($"{path}: generation_kwargs until must be a string or a list of strings."),
        };
        var sub = new FieldReader(path, map, "generation_kwargs ");
        return new GenerationConfig(until, sub.Int("max_gen_toks", 256), sub.Bool("do_sample", false), sub.Double("temperature", 0));
    }

    private static IReadOnlyList<MetricConfig> MetricsOf(FieldReader reader, string path, OutputType outputType)
    {
        var list = reader.List("metric_list");
        if (list is null) return DefaultMetrics(outputType);
        var metrics = new List<MetricConfig>();
        foreach (var item in list)
        {
            if (item is not Dictionary<string, object?> map || map.GetValueOrDefault("metric") is not string name)
                throw new SharpLMException($"{path}: every metric_list entry needs metric:.");
            var entry = new FieldReader(path, map, $"metric {name}: ");
            var options = map.Where(p => p.Key is not ("metric" or "aggregation" or "higher_is_better")).ToDictionary(p => p.Key, p => p.Value);
            metrics.Add(new MetricConfig(name, entry.String("aggregation", DefaultAggregation(name))!, entry.Bool("higher_is_better", DefaultHigherIsBetter(name)), options));
        }
        return metrics;
    }

    /// <summary>lm-eval's defaults when a task lists no metrics.</summary>
    private static List<MetricConfig> DefaultMetrics(OutputType outputType)
    {
        string[] names = outputType switch
        {
            OutputType.Loglikelihood => ["perplexity", "acc"],
            OutputType.MultipleChoice => ["acc", "acc_norm"],
            OutputType.LoglikelihoodRolling => ["word_perplexity", "byte_perplexity", "bits_per_byte"],
            _ => ["exact_match"],
        };
        return names.Select(n => new MetricConfig(n, DefaultAggregation(n), DefaultHigherIsBetter(n), new Dictionary<string, object?>())).ToList();
    }

    public static string DefaultAggregation(string metric) => metric switch
    {
        "perplexity" => "perplexity",
        "word_perplexity" or "byte_perplexity" => "weighted_perplexity",
        "bits_per_byte" => "bits_per_byte",
        "bleu" or "chrf" or "ter" => metric,
        _ => "mean",
    };

    public static bool DefaultHigherIsBetter(string metric) => metric is not ("perplexity" or "word_perplexity" or "byte_perplexity" or "bits_per_byte" or "ter");

    private static IReadOnlyList<FilterConfig> FiltersOf(FieldReader reader, string path)
    {
        var list = reader.List("filter_list");
        if (list is null) return [new FilterConfig("none", [new FilterStep("take_first", null, 0, "[invalid]")])];
        var filters = new List<FilterConfig>();
        foreach (var item in list)
        {
            if (item is not Dictionary<string, object?> map || map.GetValueOrDefault("name") is not string name || map.GetValueOrDefault("filter") is not List<object?> steps)
                throw new SharpLMException($"{path}: every filter_list entry needs name: and filter:.");
            var parsed = new List<FilterStep>();
            foreach (var step in steps)
            {
                if (step is not Dictionary<string, object?> s || s.GetValueOrDefault("function") is not string function)
                    throw new SharpLMException($"{path}: filter {name}: every step needs function:.");
                if (function is not ("regex" or "take_first" or "lowercase" or "uppercase" or "remove_whitespace"))
                    throw new SharpLMException($"{path}: filter {name}: function '{function}' is not supported (regex, take_first, lowercase, uppercase, remove_whitespace).");
                var fields = new FieldReader(path, s, $"filter {name}: ");
                parsed.Add(new FilterStep(function, fields.String("regex_pattern", null), fields.Int("group_select", 0), fields.String("fallback", "[invalid]")!));
            }
            filters.Add(new FilterConfig(name, parsed));
        }
        return filters;
    }
}
